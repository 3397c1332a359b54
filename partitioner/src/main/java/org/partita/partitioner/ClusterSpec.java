package org.partita.partitioner;

import java.util.ArrayList;
import java.util.List;

/** The machines a plan may use and the link between them. */
public record ClusterSpec(List<NodeSpec> nodes, Link link) {
  public ClusterSpec {
    if (nodes == null || nodes.isEmpty() || link == null) {
      throw new IllegalArgumentException("a cluster needs at least one node and a link");
    }
    nodes = List.copyOf(nodes);
    if (nodes.stream().map(NodeSpec::name).distinct().count() != nodes.size()) {
      throw new IllegalArgumentException("node names must be unique: " + nodes);
    }
  }

  /** n identical nodes w0 … w(n−1). */
  public static ClusterSpec uniform(int count, int cores, long memoryBytes, Link link) {
    if (count < 1) {
      throw new IllegalArgumentException("a cluster needs ≥ 1 node, got " + count);
    }
    List<NodeSpec> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      nodes.add(new NodeSpec("w" + i, cores, memoryBytes));
    }
    return new ClusterSpec(nodes, link);
  }

  public NodeSpec node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node named '" + name + "' in the cluster " + names()));
  }

  public List<String> names() {
    return nodes.stream().map(NodeSpec::name).toList();
  }
}
