#include <utility>

#include "tablestore/tunnel/tunnel_worker.h"

namespace tablestore::tunnel {

namespace {

// Calls the factory's functions with the factory's custom value in the context.
// Reader thread only.
class SimpleProcessor final : public ChannelProcessor {
 public:
  SimpleProcessor(const SimpleProcessFactory::ProcessFunc* process,
                  const SimpleProcessFactory::ShutdownFunc* shutdown, const std::any* custom)
      : process_(process), shutdown_(shutdown), custom_(custom) {}

  base::Status Process(const ChannelContext& context, std::vector<Record>& records) override {
    if (!*process_) return base::Status::Ok();
    ChannelContext with_value = context;
    with_value.custom_value = *custom_;
    return (*process_)(with_value, records);
  }
  void Shutdown(const ChannelContext& context) override {
    if (!*shutdown_) return;
    ChannelContext with_value = context;
    with_value.custom_value = *custom_;
    (*shutdown_)(with_value);
  }

 private:
  const SimpleProcessFactory::ProcessFunc* const process_;
  const SimpleProcessFactory::ShutdownFunc* const shutdown_;
  const std::any* const custom_;
};

}  // namespace

SimpleProcessFactory::SimpleProcessFactory(ProcessFunc process, ShutdownFunc shutdown,
                                           std::any custom_value)
    : process_(std::move(process)),
      shutdown_(std::move(shutdown)),
      custom_value_(std::move(custom_value)) {}

std::unique_ptr<ChannelProcessor> SimpleProcessFactory::NewProcessor(
    const ChannelContext& /*context*/) {
  // The factory outlives its processors (it is owned by the config of the running worker).
  return std::make_unique<SimpleProcessor>(&process_, &shutdown_, &custom_value_);
}

}  // namespace tablestore::tunnel
