// The node-group provider: what the autoscaler asks of whatever runs the machines (upstream's
// cloudprovider.NodeGroup, cut to what Skiff needs). `skiff up` is the first provider (its
// kubelets under its supervisor); a cloud or a fleet of machines can sit behind it later.

export interface NodeGroup {
  readonly id: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** The group's nodes now: started ones, registered with the API server or not yet. */
  nodeNames(): string[];
  /** Start `delta` more nodes; resolves with their names once started (not necessarily Ready). */
  increaseSize(delta: number): Promise<string[]>;
  /** Stop the node's machine and forget it. The autoscaler has drained it and deletes the Node object. */
  deleteNode(name: string): Promise<void>;
}
