import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import { ConnectionValue } from '../pagination/keyset';

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field()
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

/** Builds the Relay `XConnection` and `XEdge` types for one node type. */
export function Connection<Node extends object>(NodeClass: ClassType<Node>, name: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field()
    cursor: string;

    @Field(() => NodeClass)
    node: Node;
  }

  @ObjectType({ simpleResolvers: true })
  abstract class ConnectionType {
    constructor(private readonly value: ConnectionValue<Node>) {}

    @Field(() => [Edge])
    get edges(): Edge[] {
      return this.value.edges;
    }

    @Field(() => [NodeClass])
    get nodes(): Node[] {
      return this.value.nodes;
    }

    @Field(() => PageInfo)
    get pageInfo(): PageInfo {
      return this.value.pageInfo;
    }

    @Field(() => Int, { description: 'Counted only when asked for.' })
    totalCount(): Promise<number> {
      return this.value.count();
    }
  }
  return ConnectionType;
}
