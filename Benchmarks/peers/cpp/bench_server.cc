// bench-server for grpc C++ (synchronous API): gRPC's benchmark service.
//
//   bench-server --port N [--workers W] [--tls CERTS_DIR]
//
// Prints "listening on PORT" once it serves (--port 0 picks a free port), then serves until
// killed. With --tls the port is TLS, with CERTS_DIR/server.key and server.pem (Tests/Certificates
// of the repository). --workers caps the server's threads (grpc::ResourceQuota::SetMaxThreads); without it
// the synchronous server grows a thread per running handler, as grpc C++ does by default.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

#include "grpc/testing/benchmark_service.grpc.pb.h"

using grpc::ServerContext;
using grpc::Status;
using grpc::testing::SimpleRequest;
using grpc::testing::SimpleResponse;

namespace {

constexpr int kMaxMessageLength = 64 * 1024 * 1024;

void FillResponse(int32_t size, SimpleResponse* response) {
  response->mutable_payload()->set_body(std::string(size > 0 ? size : 0, '\0'));
}

class BenchmarkServiceImpl final : public grpc::testing::BenchmarkService::Service {
 public:
  Status UnaryCall(ServerContext*, const SimpleRequest* request, SimpleResponse* response) override {
    FillResponse(request->response_size(), response);
    return Status::OK;
  }

  Status StreamingCall(ServerContext*,
                       grpc::ServerReaderWriter<SimpleResponse, SimpleRequest>* stream) override {
    SimpleRequest request;
    while (stream->Read(&request)) {
      SimpleResponse response;
      FillResponse(request.response_size(), &response);
      if (!stream->Write(response)) break;
    }
    return Status::OK;
  }

  Status StreamingFromClient(ServerContext*, grpc::ServerReader<SimpleRequest>* reader,
                             SimpleResponse* response) override {
    SimpleRequest request;
    int32_t size = 0;
    while (reader->Read(&request)) size = request.response_size();
    FillResponse(size, response);
    return Status::OK;
  }

  Status StreamingFromServer(ServerContext* context, const SimpleRequest* request,
                             grpc::ServerWriter<SimpleResponse>* writer) override {
    SimpleResponse response;
    FillResponse(request->response_size(), &response);
    while (!context->IsCancelled()) {
      if (!writer->Write(response)) break;
    }
    return Status::OK;
  }

  Status StreamingBothWays(ServerContext* context,
                           grpc::ServerReaderWriter<SimpleResponse, SimpleRequest>* stream) override {
    return StreamingCall(context, stream);
  }
};

[[noreturn]] void Usage(const char* message) {
  std::fprintf(stderr, "bench-server: %s\nusage: bench-server --port N [--workers W] [--tls CERTS_DIR]\n", message);
  std::exit(2);
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) Usage(("cannot read " + path).c_str());
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace

int main(int argc, char** argv) {
  int port = -1;
  int workers = 0;
  std::string tls;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) Usage("a flag needs a value");
    if (std::strcmp(argv[i], "--port") == 0) {
      port = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--workers") == 0) {
      workers = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--tls") == 0) {
      tls = argv[i + 1];
    } else {
      Usage("unknown flag");
    }
  }
  if (port < 0) Usage("--port is required");

  BenchmarkServiceImpl service;
  grpc::ServerBuilder builder;
  int bound = 0;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!tls.empty()) {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({ReadFile(tls + "/server.key"), ReadFile(tls + "/server.pem")});
    credentials = grpc::SslServerCredentials(ssl);
  }
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), credentials, &bound);
  builder.SetMaxReceiveMessageSize(kMaxMessageLength);
  builder.SetMaxSendMessageSize(kMaxMessageLength);
  if (workers > 0) {
    grpc::ResourceQuota quota("bench-server");
    quota.SetMaxThreads(workers);
    builder.SetResourceQuota(quota);
  }
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound == 0) {
    std::fprintf(stderr, "bench-server: cannot listen on port %d\n", port);
    return 1;
  }
  std::printf("listening on %d\n", bound);
  std::fflush(stdout);
  server->Wait();
  return 0;
}
