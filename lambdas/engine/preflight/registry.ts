import { blockedSessions } from './checks/blocked-sessions.ts';
import { connections } from './checks/connections.ts';
import { connectivity } from './checks/connectivity.ts';
import { invalidIndexes } from './checks/invalid-indexes.ts';
import { ledgerFiles } from './checks/ledger-files.ts';
import { longTransactions } from './checks/long-transactions.ts';
import { offPeak } from './checks/off-peak.ts';
import { replicaLag } from './checks/replica-lag.ts';
import { replicationSlots } from './checks/replication-slots.ts';
import { storage } from './checks/storage.ts';
import type { PreflightCheck } from './types.ts';

/** Every preflight health check, in the order they run and report; one file each in checks/. */
export const preflightChecks: readonly PreflightCheck[] = [
  connectivity,
  ledgerFiles,
  invalidIndexes,
  longTransactions,
  blockedSessions,
  replicationSlots,
  replicaLag,
  storage,
  connections,
  offPeak,
];
