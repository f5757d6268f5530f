import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { crslabDialogueBatches, type CrslabOptions } from '../../export/crslab';
import { planExport } from '../../export/formats';
import { decodeId } from '../../pagination/global-id';
import { requireOperator, unauthenticated } from '../../graphql/auth';
import type { Context } from '../../graphql/context';
import { CORPUS_FIELD_COST } from '../../graphql/costs';
import { badInput, notFound } from '../../errors';
import { activeOperatorKeyHash } from '../api-key/api-key.service';
import type { SplitName } from '../dialogue/dialogue.type';
import { ExportInput } from './export.inputs';
import { createExport, getExport, listExports } from './export.service';
import { CrslabDialogueBatch, Export, ExportConnection, ExportFormat } from './export.type';
import { downloadSecret, MAX_EXPIRES_IN_S, signedDownloadPath } from './signed-url';

/** Conversations per crslabDialogues message: small enough for a client to handle one at a time. */
const CRSLAB_BATCH = 50;

function exportId(id: string, argument = 'id'): number {
  return decodeId(argument, id, 'Export');
}

@Resolver(() => Export)
export class ExportResolver {
  @Query(() => Export, { nullable: true })
  export(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Export | null> {
    return getExport(ctx.manager, exportId(id));
  }

  @Query(() => ExportConnection, { description: 'Exports, newest first.' })
  async exports(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<ExportConnection> {
    return new ExportConnection(await listExports(ctx.manager, { first, after }, ctx.config.pageCap));
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'A signed link to a zip of the files, valid for expiresIn seconds (1–86400) without an Authorization header, e.g. for a browser; null until COMPLETED. Needs an operator key to mint.',
  })
  async downloadUrl(@Root() row: Export, @Ctx() ctx: Context, @Arg('expiresIn', () => Int, { nullable: true, defaultValue: 300 }) expiresInArg: number | null): Promise<string | null> {
    const principal = requireOperator(ctx);
    const expiresIn = expiresInArg ?? 300;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN_S) throw badInput('expiresIn', `must be 1–${MAX_EXPIRES_IN_S} seconds, got ${expiresIn}`);
    if (row.downloadPath === null) return null;
    const expires = Math.floor(Date.now() / 1000) + expiresIn;
    const hash = await activeOperatorKeyHash(ctx.manager, principal.id);
    // The key was revoked between authentication and here: refuse as authentication would have.
    if (hash === null) throw unauthenticated('the API key was revoked; send an active operator key');
    return signedDownloadPath(await downloadSecret(ctx.manager, ctx.config), row.dbId, expires, { id: principal.id, hash });
  }

  @Mutation(() => Export, {
    complexity: CORPUS_FIELD_COST,
    description: 'Checks the input, records the export QUEUED and writes it in the background (follow it with exportUpdated). Needs an operator key.',
  })
  async startExport(@Ctx() ctx: Context, @Arg('input', () => ExportInput) input: ExportInput): Promise<Export> {
    const id = await createExport(ctx.manager, ctx.exports.exportsDir, input, ctx.principal);
    ctx.exports.start(id);
    return (await getExport(ctx.manager, id))!;
  }

  @Subscription(() => Export, {
    description: 'The export now and after every change (throttled), until it finishes.',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const id = exportId(args.id as string);
      if (!(await getExport(ctx.manager, id))) throw notFound('id', `no such export "${args.id}"`);
      return ctx.exports.events.watch(id);
    },
  })
  async exportUpdated(@Root() id: number, @Ctx() ctx: Context, @Arg('id', () => ID) _id: string): Promise<Export> {
    const found = await getExport(ctx.manager, id);
    if (!found) throw notFound('id', 'the export was deleted');
    return found;
  }

  @Subscription(() => CrslabDialogueBatch, {
    description:
      'The CRSLab conversation records of an export (format CRSLAB), split by split, as a stream of batches; nothing is written to disk. Needs an operator key, as downloading the export does.',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      // The same data as a file needs an operator key to download; streaming it is no cheaper.
      requireOperator(ctx);
      const input = args.input as ExportInput;
      if (input.format !== ExportFormat.CRSLAB) throw badInput('input.format', 'crslabDialogues streams CRSLAB records only; use format CRSLAB');
      const planned = await planExport(ctx.manager, { ...input }, 'input');
      return crslabDialogueBatches(ctx.manager, { ...(planned.options as unknown as CrslabOptions), filter: planned.filter }, CRSLAB_BATCH);
    },
  })
  crslabDialogues(@Root() batch: { split: string; index: number; records: object[] }, @Arg('input', () => ExportInput) _input: ExportInput): CrslabDialogueBatch {
    return { split: batch.split as SplitName, index: batch.index, records: batch.records as Array<Record<string, unknown>> };
  }
}
