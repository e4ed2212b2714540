/**
 * What an operator reads in the log when the database or the change feed goes away and comes back:
 * one record per transition, never one per failed query.
 */
import type { StoreStatus } from '../store/store.js';

export interface StoreLogRecord {
  level: 'info' | 'warn' | 'error';
  msg: string;
}

export function storeTransitions(now: StoreStatus, before: StoreStatus): StoreLogRecord[] {
  const out: StoreLogRecord[] = [];
  if (now.connected !== before.connected) {
    out.push(
      now.connected
        ? { level: 'info', msg: 'store reachable again: writes work' }
        : { level: 'error', msg: 'store unreachable: writes fail; reviews are answered from the in-memory index' },
    );
  }
  if (now.feed !== before.feed) {
    out.push(
      now.feed
        ? { level: 'info', msg: 'change feed restored: resynchronising' }
        : { level: 'warn', msg: "change feed lost: other replicas' changes arrive only after it returns" },
    );
  }
  return out;
}
