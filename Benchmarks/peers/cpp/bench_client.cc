// bench-client for grpc C++ (synchronous API): drives gRPC's benchmark service and prints one
// JSON result line (the format every bench-client shares, Benchmarks/README.md).
//
//   bench-client --target 127.0.0.1:PORT --scenario unary|server-streaming|ping-pong
//       [--concurrency N] [--request-size B] [--response-size B] [--warmup S] [--duration S]
//
// Every call or stream shares one channel; --concurrency threads each keep one call or stream
// going.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "grpc/testing/benchmark_service.grpc.pb.h"

using grpc::testing::BenchmarkService;
using grpc::testing::SimpleRequest;
using grpc::testing::SimpleResponse;

namespace {

constexpr int kMaxMessageLength = 64 * 1024 * 1024;

struct Options {
  std::string target;
  std::string scenario = "unary";
  int concurrency = 1;
  int request_size = 0;
  int response_size = 0;
  double warmup = 0.5;
  double duration = 2.0;
  // With TLS: the directory with ca.pem (Tests/Certificates of the repository).
  std::string tls;
};

// The name the server's certificate is checked against, one of the test server certificate's
// names, as gRPC's interop tests use it (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG).
constexpr char kTlsServerName[] = "foo.test.google.fr";

uint64_t Now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What completes between start and end counts; before it is warm-up.
struct Window {
  uint64_t start;
  uint64_t end;
  bool Contains(uint64_t t) const { return t >= start && t < end; }
};

// What one worker counted; read after its thread joined.
struct Tally {
  long count = 0;
  long errors = 0;
  std::string first_error;
  std::vector<uint64_t> latencies;

  void Error(const std::string& message, uint64_t t, const Window& window) {
    if (first_error.empty()) first_error = message;
    if (window.Contains(t)) errors++;
  }
};

std::string Describe(const grpc::Status& status) {
  return std::to_string(status.error_code()) + " " + status.error_message();
}

std::string SizeError(size_t got, int expected) {
  return "a response carried " + std::to_string(got) + " bytes, not " + std::to_string(expected);
}

void UnaryWorker(BenchmarkService::Stub* stub, const SimpleRequest& request, int size, Window window,
                 Tally* tally) {
  while (true) {
    uint64_t start = Now();
    if (start >= window.end) return;
    grpc::ClientContext context;
    SimpleResponse response;
    grpc::Status status = stub->UnaryCall(&context, request, &response);
    uint64_t end = Now();
    if (!status.ok()) {
      tally->Error("UnaryCall failed: " + Describe(status), end, window);
      continue;
    }
    if (response.payload().body().size() != static_cast<size_t>(size)) {
      tally->Error(SizeError(response.payload().body().size(), size), end, window);
      continue;
    }
    if (window.Contains(end)) {
      tally->count++;
      tally->latencies.push_back(end - start);
    }
  }
}

void ServerStreamingWorker(BenchmarkService::Stub* stub, const SimpleRequest& request, int size,
                           Window window, Tally* tally) {
  grpc::ClientContext context;
  auto reader = stub->StreamingFromServer(&context, request);
  SimpleResponse response;
  while (reader->Read(&response)) {
    uint64_t now = Now();
    if (now >= window.end) {
      context.TryCancel();
      reader->Finish();
      return;
    }
    if (response.payload().body().size() != static_cast<size_t>(size)) {
      tally->Error(SizeError(response.payload().body().size(), size), now, window);
      continue;
    }
    if (window.Contains(now)) tally->count++;
  }
  grpc::Status status = reader->Finish();
  tally->Error("StreamingFromServer ended early: " + Describe(status), Now(), window);
}

void PingPongWorker(BenchmarkService::Stub* stub, const SimpleRequest& request, int size, Window window,
                    Tally* tally) {
  grpc::ClientContext context;
  auto stream = stub->StreamingCall(&context);
  SimpleResponse response;
  while (true) {
    uint64_t start = Now();
    if (start >= window.end) break;
    if (!stream->Write(request) || !stream->Read(&response)) {
      grpc::Status status = stream->Finish();
      tally->Error("StreamingCall ended early: " + Describe(status), Now(), window);
      return;
    }
    uint64_t end = Now();
    if (response.payload().body().size() != static_cast<size_t>(size)) {
      tally->Error(SizeError(response.payload().body().size(), size), end, window);
      continue;
    }
    if (window.Contains(end)) {
      tally->count++;
      tally->latencies.push_back(end - start);
    }
  }
  stream->WritesDone();
  while (stream->Read(&response)) {
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) tally->Error("StreamingCall failed: " + Describe(status), Now(), window);
}

double Percentile(const std::vector<uint64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  long rank = static_cast<long>(std::ceil(q * sorted.size()));
  rank = std::min(std::max(rank, 1L), static_cast<long>(sorted.size()));
  return sorted[rank - 1] / 1000.0;
}

[[noreturn]] void Usage(const std::string& message) {
  std::fprintf(stderr,
               "bench-client: %s\nusage: bench-client --target HOST:PORT [--scenario unary|server-streaming|"
               "ping-pong] [--concurrency N] [--request-size B] [--response-size B] [--warmup S] "
               "[--duration S] [--tls CERTS_DIR]\n",
               message.c_str());
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Usage(flag + " needs a value");
    std::string value = argv[i + 1];
    if (flag == "--target") {
      options.target = value;
    } else if (flag == "--scenario") {
      options.scenario = value;
    } else if (flag == "--concurrency") {
      options.concurrency = std::atoi(value.c_str());
    } else if (flag == "--request-size") {
      options.request_size = std::atoi(value.c_str());
    } else if (flag == "--response-size") {
      options.response_size = std::atoi(value.c_str());
    } else if (flag == "--warmup") {
      options.warmup = std::atof(value.c_str());
    } else if (flag == "--duration") {
      options.duration = std::atof(value.c_str());
    } else if (flag == "--tls") {
      options.tls = value;
    } else {
      Usage("unknown flag " + flag);
    }
  }
  if (options.target.empty()) Usage("--target is required");
  if (options.scenario != "unary" && options.scenario != "server-streaming" && options.scenario != "ping-pong") {
    Usage("unknown scenario " + options.scenario);
  }
  if (options.concurrency < 1) Usage("--concurrency must be at least 1");
  if (options.duration <= 0) Usage("--duration must be positive");
  return options;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) Usage("cannot read " + path);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace

int main(int argc, char** argv) {
  Options options = Parse(argc, argv);
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxMessageLength);
  arguments.SetMaxSendMessageSize(kMaxMessageLength);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.tls.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(options.tls + "/ca.pem");
    credentials = grpc::SslCredentials(ssl);
    arguments.SetSslTargetNameOverride(kTlsServerName);
  }
  auto channel = grpc::CreateCustomChannel(options.target, credentials, arguments);
  auto stub = BenchmarkService::NewStub(channel);

  SimpleRequest request;
  request.set_response_size(options.response_size);
  request.mutable_payload()->set_body(std::string(options.request_size, '\0'));

  auto worker = options.scenario == "unary"              ? UnaryWorker
                : options.scenario == "server-streaming" ? ServerStreamingWorker
                                                         : PingPongWorker;
  std::vector<Tally> tallies(options.concurrency);
  uint64_t start = Now() + static_cast<uint64_t>(options.warmup * 1e9);
  Window window{start, start + static_cast<uint64_t>(options.duration * 1e9)};
  std::vector<std::thread> threads;
  for (int i = 0; i < options.concurrency; i++) {
    threads.emplace_back(worker, stub.get(), std::cref(request), options.response_size, window, &tallies[i]);
  }
  for (auto& thread : threads) thread.join();

  long count = 0;
  long errors = 0;
  std::vector<uint64_t> latencies;
  std::string first_error;
  for (const auto& tally : tallies) {
    count += tally.count;
    errors += tally.errors;
    latencies.insert(latencies.end(), tally.latencies.begin(), tally.latencies.end());
    if (first_error.empty()) first_error = tally.first_error;
  }
  std::string latency = "null";
  if (options.scenario != "server-streaming") {
    std::sort(latencies.begin(), latencies.end());
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, "{\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f}",
                  Percentile(latencies, 0.5), Percentile(latencies, 0.9), Percentile(latencies, 0.99),
                  Percentile(latencies, 1.0));
    latency = buffer;
  }
  std::printf(
      "{\"implementation\": \"grpc-cpp\", \"scenario\": \"%s\", \"concurrency\": %d, \"request_size\": %d, "
      "\"response_size\": %d, \"duration_s\": %g, \"count\": %ld, \"errors\": %ld, \"rate\": %.3f, "
      "\"latency_us\": %s}\n",
      options.scenario.c_str(), options.concurrency, options.request_size, options.response_size,
      options.duration, count, errors, count / options.duration, latency.c_str());
  std::fflush(stdout);
  if (!first_error.empty()) std::fprintf(stderr, "bench-client: %s\n", first_error.c_str());
  return count > 0 ? 0 : 1;
}
