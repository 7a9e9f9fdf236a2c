#pragma once
// The large arrays of the rate networks (states, products, gradients: N x batch values
// each). Aligned to cache lines: the sparse products read a neuron's batch columns as one
// block (32 floats, 128 bytes), and a block that starts 16 bytes into a line (where the
// heap's large allocations start) spans three lines instead of two. Blocks of several MB
// are backed by huge pages where the system allows it (Linux's transparent huge pages on
// request): one page fault per 2 MB instead of per 4 kB when the array is first written,
// and a random read across it rarely misses the TLB. resize() leaves new values
// uninitialised: the arrays are written in full before they are read.
#include <cstddef>
#include <new>
#include <vector>

namespace kenyon {

namespace detail {
void* allocate_aligned(std::size_t bytes);
void deallocate_aligned(void* p, std::size_t bytes) noexcept;
}  // namespace detail

template <class T>
struct cache_aligned_allocator {
  using value_type = T;
  cache_aligned_allocator() = default;
  template <class U>
  cache_aligned_allocator(const cache_aligned_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(detail::allocate_aligned(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { detail::deallocate_aligned(p, n * sizeof(T)); }
  // Default- rather than value-initialised: no pass of zeros before the real values.
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(static_cast<Args&&>(args)...);
  }
  template <class U>
  bool operator==(const cache_aligned_allocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using aligned_vector = std::vector<T, cache_aligned_allocator<T>>;

}  // namespace kenyon
