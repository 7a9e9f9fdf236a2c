#include "kenyon/core/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace kenyon {

progress_bar::progress_bar(std::string label, std::uint64_t total)
    : progress_bar(std::move(label), total, isatty(STDERR_FILENO) != 0) {}

progress_bar::progress_bar(std::string label, std::uint64_t total, bool enabled)
    : label_(std::move(label)),
      total_(std::max<std::uint64_t>(total, 1)),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

progress_bar::~progress_bar() {
  if (enabled_) draw(done_.load(), true);
}

void progress_bar::advance(std::uint64_t n) {
  const auto done = done_.fetch_add(n) + n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  // Redraw at most ten times a second, and never block the caller for it.
  std::unique_lock lock(draw_mutex_, std::try_to_lock);
  if (!lock || now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(done, false);
}

void progress_bar::draw(std::uint64_t done, bool final) {
  constexpr int width = 30;
  const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
  const int filled = static_cast<int>(fraction * width);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
  std::fprintf(stderr, "\r%s [%.*s%*s] %3d%%  %.1fs elapsed, %.1fs left ", label_.c_str(), filled,
               "##############################", width - filled, "",
               static_cast<int>(fraction * 100), elapsed, eta);
  if (final) std::fputs("\n", stderr);
  std::fflush(stderr);
}

}  // namespace kenyon
