#include "kenyon/core/aligned.hpp"

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace kenyon::detail {
namespace {

constexpr std::size_t huge_page = std::size_t{2} << 20;
constexpr std::size_t huge_from = 4 * huge_page;  // smaller blocks: cache lines only

std::align_val_t alignment_for(std::size_t bytes) {
  return std::align_val_t{bytes >= huge_from ? huge_page : 64};
}

}  // namespace

void* allocate_aligned(std::size_t bytes) {
  void* p = ::operator new(bytes, alignment_for(bytes));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Advice only: where huge pages are off or exhausted, the block has ordinary pages.
  if (bytes >= huge_from) madvise(p, bytes - bytes % huge_page, MADV_HUGEPAGE);
#endif
  return p;
}

void deallocate_aligned(void* p, std::size_t bytes) noexcept {
  ::operator delete(p, alignment_for(bytes));
}

}  // namespace kenyon::detail
