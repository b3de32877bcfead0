/**
 * Side-by-side lanes for one staff member's column of the appointment book, so an overlapping
 * (double-booked) appointment is never drawn under another one.
 */

export interface Span {
  id: string;
  /** Any totally ordered instant: ISO strings of one format, or minutes. */
  start: string | number;
  end: string | number;
}

export interface Lane {
  /** 0-based lane within its cluster of overlapping appointments. */
  lane: number;
  /** How many lanes its cluster needs (the width is divided by this). */
  lanes: number;
}

/**
 * Greedy interval colouring by start time: each appointment takes the lowest lane free at its
 * start. On intervals this is optimal, so a cluster (appointments chained by overlaps) needs
 * exactly as many lanes as the most appointments running at one moment in it. Half-open: one
 * ending at 10:00 and the next starting at 10:00 share a lane.
 */
export function appointmentLanes(spans: readonly Span[]): Map<string, Lane> {
  const sorted = [...spans].sort(
    (a, b) => cmp(a.start, b.start) || cmp(a.end, b.end) || cmp(a.id, b.id),
  );
  const out = new Map<string, Lane>();
  let cluster: { id: string; lane: number }[] = [];
  let laneEnds: (string | number)[] = [];
  let clusterEnd: string | number | null = null;
  const closeCluster = () => {
    const lanes = laneEnds.length;
    for (const c of cluster) out.set(c.id, { lane: c.lane, lanes });
    cluster = [];
    laneEnds = [];
    clusterEnd = null;
  };
  for (const s of sorted) {
    if (clusterEnd !== null && cmp(s.start, clusterEnd) >= 0) closeCluster();
    let lane = laneEnds.findIndex((end) => cmp(end, s.start) <= 0);
    if (lane < 0) lane = laneEnds.length;
    laneEnds[lane] = s.end;
    cluster.push({ id: s.id, lane });
    if (clusterEnd === null || cmp(s.end, clusterEnd) > 0) clusterEnd = s.end;
  }
  closeCluster();
  return out;
}

function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
