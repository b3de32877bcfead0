/** Hand-written SVG charts (no chart library): vertical bars and horizontal bars. */
export interface Bar {
  label: string;
  value: number;
}

export function BarChart(props: {
  title: string;
  bars: Bar[];
  format: (v: number) => string;
  height?: number;
}) {
  const h = props.height ?? 180;
  const w = 560;
  const pad = { l: 8, r: 8, t: 18, b: 28 };
  const max = Math.max(1, ...props.bars.map((b) => b.value));
  const n = Math.max(1, props.bars.length);
  const slot = (w - pad.l - pad.r) / n;
  const bw = Math.min(56, slot * 0.7);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={props.title}>
        <title>{props.title}</title>
        <line x1={pad.l} x2={w - pad.r} y1={h - pad.b} y2={h - pad.b} stroke="#d6d3d1" />
        {props.bars.map((b, i) => {
          const bh = ((h - pad.t - pad.b) * Math.max(0, b.value)) / max;
          const x = pad.l + i * slot + (slot - bw) / 2;
          const y = h - pad.b - bh;
          return (
            <g key={`${b.label}-${i}`}>
              <rect x={x} y={y} width={bw} height={bh} rx={3} fill="#f59e0b">
                <title>{`${b.label}: ${props.format(b.value)}`}</title>
              </rect>
              <text x={x + bw / 2} y={y - 4} textAnchor="middle" fontSize="11" fill="#44403c">
                {props.format(b.value)}
              </text>
              <text
                x={x + bw / 2}
                y={h - pad.b + 16}
                textAnchor="middle"
                fontSize="11"
                fill="#78716c"
              >
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>{props.title}</figcaption>
    </figure>
  );
}

export function HBarChart(props: { title: string; bars: Bar[]; format: (v: number) => string }) {
  const rowH = 26;
  const w = 420;
  const labelW = 120;
  const valueW = 80;
  const h = Math.max(1, props.bars.length) * rowH + 8;
  const max = Math.max(1, ...props.bars.map((b) => Math.abs(b.value)));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={props.title}>
        <title>{props.title}</title>
        {props.bars.map((b, i) => {
          const bw = ((w - labelW - valueW) * Math.max(0, b.value)) / max;
          const y = 4 + i * rowH;
          return (
            <g key={`${b.label}-${i}`}>
              <text x={labelW - 6} y={y + 16} textAnchor="end" fontSize="12" fill="#44403c">
                {b.label}
              </text>
              <rect x={labelW} y={y + 4} width={bw} height={rowH - 10} rx={3} fill="#0d9488" />
              <text x={labelW + bw + 6} y={y + 16} fontSize="12" fill="#44403c">
                {props.format(b.value)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>{props.title}</figcaption>
    </figure>
  );
}
