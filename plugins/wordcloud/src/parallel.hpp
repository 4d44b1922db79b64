// Two pieces of independent work on two threads: the calling thread does `second` while a
// helper thread does `first`. If no thread can be started, both run here, in order. The first
// exception of either piece is rethrown after both have finished, so nothing outlives the call.
#ifndef ASSETFLOW_WORDCLOUD_PARALLEL_HPP
#define ASSETFLOW_WORDCLOUD_PARALLEL_HPP

#include <exception>
#include <system_error>
#include <thread>

namespace wordcloud {

template <class First, class Second>
void run_both(First&& first, Second&& second) {
  std::exception_ptr error;
  std::thread helper;
  try {
    helper = std::thread([&] {
      try {
        first();
      } catch (...) {
        error = std::current_exception();
      }
    });
  } catch (const std::system_error&) {
    first();  // no thread to be had: do it here
  }
  try {
    second();
  } catch (...) {
    if (helper.joinable()) helper.join();
    throw;
  }
  if (helper.joinable()) helper.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace wordcloud

#endif
