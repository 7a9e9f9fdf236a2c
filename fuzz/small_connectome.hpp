#pragma once
// A five-neuron connectome for the targets that resolve names against one: two sensory
// ORNs, a PN, a KC and an MBON-a1 (ids 11 to 15), read once from a tiny edge list.
#include "fuzz_common.hpp"
#include "kenyon/connectome/loaders.hpp"

namespace kenyon::fuzz {

inline const connectome::connectome& small_connectome() {
  static const connectome::connectome c = [] {
    const auto edges = write_file("small_edges.csv",
                                  "pre,post,count\n11,13,5\n12,13,3\n13,14,4\n14,15,2\n15,14,1\n");
    const auto neurons = write_file("small_neurons.csv",
                                    "id,type,nt,sensory\n11,ORN,acetylcholine,true\n"
                                    "12,ORN,acetylcholine,true\n13,PN,acetylcholine,false\n"
                                    "14,KC,acetylcholine,false\n15,MBON-a1,gaba,false\n");
    return connectome::load_edge_list(edges, neurons);
  }();
  return c;
}

}  // namespace kenyon::fuzz
