import type { MongoClient } from 'mongodb';

export interface ServerInfo {
  /** "X.Y.Z[-suffix]"; "0.0.0" when the server does not say (mongorestore needs a parseable one). */
  version: string;
  topology: string;
}

export async function readServerInfo(client: MongoClient): Promise<ServerInfo> {
  const admin = client.db('admin');
  const build = await admin.command({ buildInfo: 1 });
  const rawVersion = typeof build.version === 'string' ? build.version : '';
  const version = /^\d+\.\d+\.\d+/.test(rawVersion) ? rawVersion : '0.0.0';
  const hello = await admin.command({ hello: 1 });
  let topology = 'Single';
  if (hello.msg === 'isdbgrid') topology = 'Sharded';
  else if (typeof hello.setName === 'string') topology = hello.isWritablePrimary === true ? 'ReplicaSetWithPrimary' : 'ReplicaSetNoPrimary';
  return { version, topology };
}
