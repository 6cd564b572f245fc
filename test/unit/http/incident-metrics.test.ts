import { join } from 'node:path';
import { BridgeMetrics } from '../../../src/http/metrics';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import type { Alert } from '../../../src/pipeline/alert';
import { tempDir } from '../../helpers/paths';

const alert = (id: string, cameraId: string): Alert => ({
  id,
  storeId: 's1',
  cameraId,
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
});

describe('incident metrics', () => {
  it('exposes time to claim, escalations by outcome, and the open incidents counted in the journal at each scrape', async () => {
    const j = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    const metrics = new BridgeMetrics();
    metrics.watchIncidents(async () => await j.incidents.countOpen());
    for (const [id, camera] of [
      ['a1', '3'],
      ['a2', '4'],
      ['a3', '5'],
    ] as const) {
      await j.append({
        alert: alert(id, camera),
        status: 'routed',
        rawBody: '{}',
        receivedAt: 1000,
        steps: [],
        incident: { room: '7', windowMs: 20_000 },
      });
    }
    const claimed = await j.incidents.claim((await j.incidents.find('a1'))?.id as string, 'Anna', 'cli', 13_000);
    await j.incidents.recordAnnouncement((await j.incidents.find('a2'))?.id as string, 4, null, 'unclaimed', 60_000);
    if (claimed.kind !== 'claimed') throw new Error(`claim: ${claimed.kind}`);
    metrics.incidentTimeToClaim.observe(((claimed.incident.claimedAt as number) - claimed.incident.openedAt) / 1000);
    metrics.incidentEscalations.inc({ outcome: 'answered' });
    metrics.incidentEscalations.inc({ outcome: 'no-list' });
    metrics.incidentEscalations.inc({ outcome: 'no-list' });

    const text = await metrics.registry.metrics();
    expect(text).toContain('veesion_bridge_incidents_open 1\n'); // a3; a1 claimed, a2 unclaimed
    expect(text).toContain('veesion_bridge_incident_time_to_claim_seconds_bucket{le="10"} 0\n');
    expect(text).toContain('veesion_bridge_incident_time_to_claim_seconds_bucket{le="15"} 1\n');
    expect(text).toContain('veesion_bridge_incident_time_to_claim_seconds_bucket{le="600"} 1\n');
    expect(text).toContain('veesion_bridge_incident_time_to_claim_seconds_sum 12\n');
    expect(text).toContain('veesion_bridge_incident_escalations_total{outcome="answered"} 1\n');
    expect(text).toContain('veesion_bridge_incident_escalations_total{outcome="no-list"} 2\n');

    await j.incidents.resolve((await j.incidents.find('a3'))?.id as string, 'false-alarm', null, 70_000);
    expect(await metrics.registry.metrics()).toContain('veesion_bridge_incidents_open 0\n');
    await j.close();
  });
});
