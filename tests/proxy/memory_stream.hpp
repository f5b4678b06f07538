// In-memory Stream pair for relay tests, after Beast's test::stream: each
// direction is a pipe with a fixed capacity, so a writer blocks when its
// reader does not read — which is what backpressure tests need to observe.
#pragma once

#include "stream.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace pop3ws::proxy::test {

struct Pipe {
  explicit Pipe(boost::asio::any_io_executor e, std::size_t cap) : ex(std::move(e)), capacity(cap) {}
  boost::asio::any_io_executor ex;
  std::size_t capacity;
  std::string buf;
  bool eof = false;    // writer shut down: reader gets EOF after the buffered bytes
  bool reset = false;  // reader is gone: writes fail
  bool dead = false;   // test teardown: complete nothing, the io_context is going away
  boost::system::error_code fail;  // reader gets this error once the buffer is empty
  std::size_t total_written = 0;
  struct Reader {
    std::size_t max;
    Stream::ReadHandler h;
  };
  struct Writer {
    boost::asio::const_buffer b;
    std::size_t done;
    Stream::WriteHandler h;
  };
  std::optional<Reader> reader;
  std::optional<Writer> writer;

  void complete(Stream::WriteHandler h, boost::system::error_code ec, std::size_t n) {
    if (dead) return;
    boost::asio::post(ex, [h = std::move(h), ec, n] { h(ec, n); });
  }
  void deliver(Stream::ReadHandler h, boost::system::error_code ec, std::string data) {
    if (dead) return;
    boost::asio::post(ex, [h = std::move(h), ec, d = std::move(data)] { h(ec, d.data(), d.size()); });
  }

  void pump() {
    for (bool progressed = true; progressed;) {
      progressed = false;
      if (writer) {
        if (reset) {
          complete(std::move(writer->h), boost::asio::error::broken_pipe, writer->done);
          writer.reset();
          progressed = true;
        } else {
          const std::size_t room = capacity > buf.size() ? capacity - buf.size() : 0;
          const std::size_t n = std::min(room, writer->b.size() - writer->done);
          if (n) {
            buf.append(static_cast<const char*>(writer->b.data()) + writer->done, n);
            writer->done += n;
            total_written += n;
            progressed = true;
          }
          if (writer->done == writer->b.size()) {
            complete(std::move(writer->h), {}, writer->done);
            writer.reset();
            progressed = true;
          }
        }
      }
      if (reader) {
        if (!buf.empty()) {
          const std::size_t n = std::min(buf.size(), reader->max);
          std::string chunk = buf.substr(0, n);
          buf.erase(0, n);
          deliver(std::move(reader->h), {}, std::move(chunk));
          reader.reset();
          progressed = true;
        } else if (fail) {
          deliver(std::move(reader->h), fail, {});
          reader.reset();
          progressed = true;
        } else if (eof) {
          deliver(std::move(reader->h), boost::asio::error::eof, {});
          reader.reset();
          progressed = true;
        }
      }
    }
  }
};

class MemoryStream final : public Stream {
 public:
  MemoryStream(boost::asio::any_io_executor ex, std::shared_ptr<Pipe> in, std::shared_ptr<Pipe> out)
      : ex_(std::move(ex)), in_(std::move(in)), out_(std::move(out)) {}
  ~MemoryStream() override { close(); }

  void async_start(Done ok, ErrorHandler) override { boost::asio::post(ex_, std::move(ok)); }
  void async_read(std::size_t max, ReadHandler h) override {
    if (closed_) return in_->deliver(std::move(h), boost::asio::error::bad_descriptor, {});
    in_->reader = Pipe::Reader{max, std::move(h)};
    in_->pump();
  }
  void async_write(boost::asio::const_buffer b, WriteHandler h) override {
    if (closed_ || out_->eof) return out_->complete(std::move(h), boost::asio::error::bad_descriptor, 0);
    out_->writer = Pipe::Writer{b, 0, std::move(h)};
    out_->pump();
  }
  void shutdown_send() override {
    out_->eof = true;
    out_->pump();
  }
  void close() override {
    if (closed_) return;
    closed_ = true;
    if (in_->reader) {
      in_->deliver(std::move(in_->reader->h), boost::asio::error::operation_aborted, {});
      in_->reader.reset();
    }
    if (out_->writer) {
      out_->complete(std::move(out_->writer->h), boost::asio::error::operation_aborted, out_->writer->done);
      out_->writer.reset();
    }
    in_->reset = true;
    in_->pump();
    out_->eof = true;
    out_->pump();
  }
  boost::asio::any_io_executor get_executor() override { return ex_; }
  std::string remote_address() const override { return "memory"; }
  bool closed() const { return closed_; }

 private:
  boost::asio::any_io_executor ex_;
  std::shared_ptr<Pipe> in_, out_;
  bool closed_ = false;
};

// Two connected ends; capacity is per direction.
struct MemoryPair {
  std::shared_ptr<Pipe> a_to_b, b_to_a;
  std::unique_ptr<MemoryStream> a, b;
};

inline MemoryPair make_memory_pair(boost::asio::any_io_executor ex, std::size_t capacity) {
  MemoryPair p;
  p.a_to_b = std::make_shared<Pipe>(ex, capacity);
  p.b_to_a = std::make_shared<Pipe>(ex, capacity);
  p.a = std::make_unique<MemoryStream>(ex, p.b_to_a, p.a_to_b);
  p.b = std::make_unique<MemoryStream>(ex, p.a_to_b, p.b_to_a);
  return p;
}

}  // namespace pop3ws::proxy::test
