import { statfs } from 'node:fs/promises';
import type { FreeStorageSource } from '../engine/preflight/types.ts';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '']);

/**
 * Free storage of a PostgreSQL running on this machine: the file system holding its data
 * directory. Undefined when the server is remote or the directory cannot be read (reading
 * `data_directory` needs superuser or pg_read_all_settings); on AWS, CloudWatch's
 * FreeStorageSpace is the source instead.
 */
export function dataDirectoryFreeStorage(url: string): FreeStorageSource {
  return async (client) => {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return undefined;
    }
    if (!LOCAL_HOSTS.has(host)) return undefined;
    try {
      const { rows } = await client.query(`SELECT setting FROM pg_settings WHERE name = 'data_directory'`);
      const dir: string | undefined = rows[0]?.setting;
      if (!dir) return undefined;
      const fs = await statfs(dir);
      return fs.bavail * fs.bsize;
    } catch {
      return undefined;
    }
  };
}
