"""Test helper: requests signed by botocore, the AWS CLI's signer.

Usage: python3 botocore_requests.py PORT
1. Makes real botocore client calls (eks, iam, sts) to http://127.0.0.1:PORT, which the test
   server captures.
2. Prints a JSON list of further requests signed offline with SigV4Auth / SigV4QueryAuth.
"""
import base64
import datetime
import email.utils
import hashlib
import hmac
import json
import sys

import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

AKID = 'AKIDEXAMPLE'
SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
TOKEN = 'FwoGZXIvYXdzEXAMPLE//tok+en='
port = int(sys.argv[1])
endpoint = f'http://127.0.0.1:{port}'

session = botocore.session.get_session()
cfg = Config(retries={'total_max_attempts': 1})


def client(service, token=None):
    return session.create_client(
        service, region_name='us-east-1', endpoint_url=endpoint, config=cfg,
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, aws_session_token=token)


calls = [
    lambda: client('eks').describe_access_entry(clusterName='demo', principalArn='arn:aws:iam::111122223333:role/dev'),
    lambda: client('eks').list_access_entries(
        clusterName='demo', maxResults=5, nextToken='a b+c/d=~*',
        associatedPolicyArn='arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'),
    lambda: client('eks').create_access_entry(
        clusterName='demo', principalArn='arn:aws:iam::111122223333:role/path/dev',
        kubernetesGroups=['devs'], username='dev:{{SessionName}}', tags={'team': 'a b'}),
    lambda: client('iam').create_user(UserName='x', Path='/eng/'),
    lambda: client('sts').get_caller_identity(),
    lambda: client('sts', TOKEN).assume_role(RoleArn='arn:aws:iam::111122223333:role/dev', RoleSessionName='s@x.com'),
]
for call in calls:
    try:
        call()
    except Exception:
        pass

creds = Credentials(AKID, SECRET)
tcreds = Credentials(AKID, SECRET, TOKEN)
out = []


def emit(name, req, secret=SECRET):
    p = req.prepare()
    headers = {k.lower(): v for k, v in p.headers.items()}
    body = p.body or b''
    if isinstance(body, str):
        body = body.encode()
    out.append({'name': name, 'method': p.method, 'url': p.url, 'headers': headers,
                'body': base64.b64encode(body).decode(), 'secret': secret})


def header_signed(name, service, method, url, params=None, data=None, headers=None, credentials=creds):
    req = AWSRequest(method=method, url=url, params=params or {}, data=data, headers=headers or {})
    botocore.auth.SigV4Auth(credentials, service, 'us-east-1').add_auth(req)
    emit(name, req)


def presigned(name, service, url, params=None, headers=None, credentials=creds, expires=300):
    req = AWSRequest(method='GET', url=url, params=params or {}, headers=headers or {})
    botocore.auth.SigV4QueryAuth(credentials, service, 'us-east-1', expires=expires).add_auth(req)
    emit(name, req)


base = 'https://example.entryway.test'
header_signed('eks-encoded-arn-path', 'eks', 'GET',
              base + '/clusters/demo/access-entries/arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fdev',
              params={'maxResults': '5', 'nextToken': 'x/y+z= ~', 'include': 'all'})
header_signed('iam-form-post', 'iam', 'POST', base + '/',
              data=b'Action=CreateUser&Version=2010-05-08&UserName=x',
              headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
header_signed('eks-json-post', 'eks', 'POST', base + '/clusters/demo/access-entries',
              data=b'{"principalArn":"arn:aws:iam::111122223333:user/alice"}',
              headers={'Content-Type': 'application/json'})
header_signed('dot-segments', 'eks', 'GET', base + '/a/./b/../c//d%2Fe/')
header_signed('session-token', 'sts', 'POST', base + '/',
              data=b'Action=GetCallerIdentity&Version=2011-06-15',
              headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'}, credentials=tcreds)
header_signed('utf8-query', 'eks', 'GET', base + '/clusters', params={'tag': 'caf\u00e9 \u2713'})
presigned('presigned-sts', 'sts', 'https://sts.us-east-1.amazonaws.com/',
          params={'Action': 'GetCallerIdentity', 'Version': '2011-06-15'}, headers={'x-k8s-aws-id': 'demo'})
presigned('presigned-session', 'iam', base + '/', params={'Action': 'ListUsers', 'Version': '2010-05-08'},
          credentials=tcreds)


def date_header_signed():
    # No AWS SDK signs with the Date header, so this one is computed by hand from the SigV4 spec.
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    http_date = email.utils.formatdate(now.timestamp(), usegmt=True)
    amz = now.strftime('%Y%m%dT%H%M%SZ')
    host = 'example.entryway.test'
    canonical = '\n'.join(['GET', '/clusters', '', f'date:{http_date}', f'host:{host}', '', 'date;host',
                           hashlib.sha256(b'').hexdigest()])
    scope = f'{amz[:8]}/us-east-1/eks/aws4_request'
    to_sign = '\n'.join(['AWS4-HMAC-SHA256', amz, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ('AWS4' + SECRET).encode()
    for part in scope.split('/'):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    auth = f'AWS4-HMAC-SHA256 Credential={AKID}/{scope}, SignedHeaders=date;host, Signature={sig}'
    out.append({'name': 'date-header', 'method': 'GET', 'url': f'https://{host}/clusters',
                'headers': {'date': http_date, 'authorization': auth}, 'body': '', 'secret': SECRET})


date_header_signed()
# botocore never signs user-agent; lift that so the verifier must force-include it.
botocore.auth.SIGNED_HEADERS_BLACKLIST.clear()
header_signed('user-agent-signed', 'eks', 'GET', base + '/clusters', headers={'User-Agent': 'odd  client/1.0 '})
print(json.dumps(out))
