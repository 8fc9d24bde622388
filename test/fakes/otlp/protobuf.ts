// Decodes the OTLP/HTTP protobuf bodies the fake receives, from the wire format itself
// (opentelemetry-proto: collector/trace/v1, collector/metrics/v1, common/v1, resource/v1), so the
// test does not trust the serializer the bot uses to check what that serializer wrote.

type Field = { wire: number; varint?: bigint; bytes?: Uint8Array; fixed?: Uint8Array };
type Message = Map<number, Field[]>;

export type AttributeValue = string | number | boolean | AttributeValue[] | null;
export type Attributes = Record<string, AttributeValue>;

export interface DecodedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Attributes;
  readonly events: { name: string; attributes: Attributes }[];
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly resource: Attributes;
}

export interface DecodedPoint {
  readonly attributes: Attributes;
  /** A sum or gauge value, or a histogram's count. */
  readonly value: number;
  readonly sum?: number;
}

export interface DecodedMetric {
  readonly name: string;
  readonly unit: string;
  readonly kind: 'sum' | 'gauge' | 'histogram' | 'other';
  readonly points: DecodedPoint[];
  readonly resource: Attributes;
}

function parse(buffer: Uint8Array): Message {
  const fields: Message = new Map();
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buffer[at++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (at < buffer.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    let field: Field;
    if (wire === 0) field = { wire, varint: varint() };
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      field = { wire, fixed: buffer.subarray(at, at + size) };
      at += size;
    } else if (wire === 2) {
      const length = Number(varint());
      field = { wire, bytes: buffer.subarray(at, at + length) };
      at += length;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (at > buffer.length) throw new Error('truncated field');
    const list = fields.get(number) ?? [];
    list.push(field);
    fields.set(number, list);
  }
  return fields;
}

const all = (message: Message, number: number): Field[] => message.get(number) ?? [];
const messages = (message: Message, number: number): Message[] => all(message, number).map((f) => parse(f.bytes ?? new Uint8Array()));
const first = (message: Message, number: number): Message => messages(message, number)[0] ?? new Map<number, Field[]>();
const text = (message: Message, number: number): string => Buffer.from(all(message, number)[0]?.bytes ?? []).toString('utf8');
const hex = (message: Message, number: number): string => Buffer.from(all(message, number)[0]?.bytes ?? []).toString('hex');
const uint = (message: Message, number: number): bigint => all(message, number)[0]?.varint ?? 0n;
const fixed64 = (message: Message, number: number): bigint => {
  const bytes = all(message, number)[0]?.fixed;
  return bytes === undefined ? 0n : Buffer.from(bytes).readBigUInt64LE();
};
const double = (field: Field | undefined): number | undefined => (field?.fixed === undefined ? undefined : Buffer.from(field.fixed).readDoubleLE());

function anyValue(message: Message): AttributeValue {
  if (message.has(1)) return text(message, 1);
  if (message.has(2)) return uint(message, 2) !== 0n;
  if (message.has(3)) return Number(BigInt.asIntN(64, uint(message, 3)));
  if (message.has(4)) return double(all(message, 4)[0]) ?? 0;
  if (message.has(5)) return messages(first(message, 5), 1).map(anyValue);
  return null;
}

function attributes(message: Message, number: number): Attributes {
  return Object.fromEntries(messages(message, number).map((kv) => [text(kv, 1), anyValue(first(kv, 2))]));
}

/** ExportTraceServiceRequest -> spans, each with its resource. */
export function decodeTraces(body: Uint8Array): DecodedSpan[] {
  return messages(parse(body), 1).flatMap((resourceSpans) => {
    const resource = attributes(first(resourceSpans, 1), 1);
    return messages(resourceSpans, 2).flatMap((scopeSpans) =>
      messages(scopeSpans, 2).map((span) => ({
        traceId: hex(span, 1),
        spanId: hex(span, 2),
        parentSpanId: hex(span, 4),
        name: text(span, 5),
        kind: Number(uint(span, 6)),
        startNs: fixed64(span, 7),
        endNs: fixed64(span, 8),
        attributes: attributes(span, 9),
        events: messages(span, 11).map((event) => ({ name: text(event, 2), attributes: attributes(event, 3) })),
        statusCode: Number(uint(first(span, 15), 3)),
        resource,
      })),
    );
  });
}

function numberPoint(point: Message): DecodedPoint {
  const asInt = all(point, 6)[0]?.fixed;
  const value = asInt === undefined ? (double(all(point, 4)[0]) ?? 0) : Number(Buffer.from(asInt).readBigInt64LE());
  return { attributes: attributes(point, 7), value };
}

function histogramPoint(point: Message): DecodedPoint {
  return { attributes: attributes(point, 9), value: Number(fixed64(point, 4)), sum: double(all(point, 5)[0]) ?? 0 };
}

/** ExportMetricsServiceRequest -> metrics (sums, gauges, histograms), each with its resource. */
export function decodeMetrics(body: Uint8Array): DecodedMetric[] {
  return messages(parse(body), 1).flatMap((resourceMetrics) => {
    const resource = attributes(first(resourceMetrics, 1), 1);
    return messages(resourceMetrics, 2).flatMap((scopeMetrics) =>
      messages(scopeMetrics, 2).map((metric): DecodedMetric => {
        const base = { name: text(metric, 1), unit: text(metric, 3), resource };
        if (metric.has(7)) return { ...base, kind: 'sum', points: messages(first(metric, 7), 1).map(numberPoint) };
        if (metric.has(5)) return { ...base, kind: 'gauge', points: messages(first(metric, 5), 1).map(numberPoint) };
        if (metric.has(9)) return { ...base, kind: 'histogram', points: messages(first(metric, 9), 1).map(histogramPoint) };
        return { ...base, kind: 'other', points: [] };
      }),
    );
  });
}
