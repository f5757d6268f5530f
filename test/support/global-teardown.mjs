export default async function globalTeardown() {
  await globalThis.__RECDIAL_PG__?.stop();
}
