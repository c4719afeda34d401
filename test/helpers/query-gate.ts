import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";

/**
 * Holds a query's result until `release()`: the first query `match` accepts runs, then its caller waits, with
 * its transaction and locks open, so a test can interleave another transaction exactly there. `reached`
 * resolves once the query has run and is held. Use with `db.withPlugin(gate.plugin)`.
 */
export function queryGate(match: (node: RootOperationNode) => boolean) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markReached!: () => void;
  const reached = new Promise<void>((resolve) => {
    markReached = resolve;
  });
  const held = new WeakSet<object>();
  let used = false;
  const plugin: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      if (!used && match(args.node)) {
        used = true;
        held.add(args.queryId);
      }
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      if (held.has(args.queryId)) {
        markReached();
        await released;
      }
      return args.result;
    },
  };
  return { plugin, release, reached };
}

/** The table an UPDATE or a SELECT (its first FROM) reads, for `queryGate` matchers. */
export function tableOf(node: RootOperationNode): string | undefined {
  // The operation node types are public but deep; only these two shapes are read.
  const n = node as unknown as {
    kind: string;
    table?: { table?: { identifier?: { name?: string } } };
    from?: { froms?: Array<{ table?: { identifier?: { name?: string } } }> };
  };
  if (n.kind === "UpdateQueryNode") return n.table?.table?.identifier?.name;
  if (n.kind === "SelectQueryNode") return n.from?.froms?.[0]?.table?.identifier?.name;
  return undefined;
}
