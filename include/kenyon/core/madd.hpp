#pragma once
// a * b + c, fused where the CPU has the instruction. Kernels that must give the same bits
// on every path (scalar loops, vector loops, intrinsics, batched and single products) write
// their multiply-adds with it instead of leaving the choice to the compiler's contraction,
// which may differ between those paths.
#include <cmath>

namespace kenyon {

template <class real>
inline real madd(real a, real b, real c) {
#ifdef __FMA__
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

}  // namespace kenyon
