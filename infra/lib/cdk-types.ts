// aws-cdk-lib classes declare some optional members as `x: T | undefined` where their interfaces
// say `x?: T` (Bucket.isWebsite, Vpc.vpnGatewayId, Secret...). Under our exactOptionalPropertyTypes
// TypeScript then refuses a Bucket where an IBucket is expected, though jsii treats them alike.
// This is the one place that widens a construct to its interface; the keys check keeps it honest.

/** Returns `construct` typed as its interface `I` (it must have every key of `I`). */
export function asInterface<I extends object>(construct: { [K in keyof I]: unknown }): I {
  return construct as unknown as I;
}
