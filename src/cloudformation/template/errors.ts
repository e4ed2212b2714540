/**
 * A template or stack request CloudFormation refuses: ValidationError (400), an AwsError like any
 * other, so every error table renders it as is.
 */
import { AwsError } from '../../errors/aws-error.js';

export class TemplateError extends AwsError {
  constructor(message: string, code = 'ValidationError') {
    super(code, 400, message);
  }
}

export function templateError(message: string, code = 'ValidationError'): TemplateError {
  return new TemplateError(message, code);
}

export const isTemplateError = (e: unknown): e is TemplateError => e instanceof TemplateError;
