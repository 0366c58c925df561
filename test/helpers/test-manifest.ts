import { timeOfId, type Manifest, type ManifestNamespace } from '../../src/core/manifest.js';

/**
 * A manifest as `backup` writes one, for tests that lay backups out by hand: started and
 * finished at the time `id` names, totals summed from `namespaces`, `archive` what was stored.
 */
export function testManifest(id: string, archive: Manifest['archive'], namespaces: ManifestNamespace[] = []): Manifest {
  const at = timeOfId(id).toISOString();
  return {
    schemaVersion: 1,
    id,
    status: 'complete',
    tool: { name: 'mongosafe', version: '0.1.0' },
    startedAt: at,
    finishedAt: at,
    source: { uri: 'mongodb://127.0.0.1/', serverVersion: '8.0.4', topology: 'Single' },
    archive,
    namespaces,
    totals: {
      namespaces: namespaces.length,
      documents: namespaces.reduce((sum, ns) => sum + ns.documents, 0),
      bsonBytes: namespaces.reduce((sum, ns) => sum + ns.bsonBytes, 0),
    },
    warnings: [],
  };
}
