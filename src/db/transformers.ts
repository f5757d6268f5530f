import { ValueTransformer } from 'typeorm';

/** int8 arrives from pg as a string; epoch milliseconds fit safely in a JS number. */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
