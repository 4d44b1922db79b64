#include "png.hpp"
#include "parallel.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <system_error>
#include <thread>
#include <stdexcept>

namespace wordcloud {

RgbImage::RgbImage(int w, int h, uint8_t r, uint8_t g, uint8_t b) : width(w), height(h) {
  if (w < 1 || h < 1) throw std::invalid_argument("image size out of range");
  bytes.resize(row_bytes() * static_cast<std::size_t>(h));
  // The first row by doubling, then every row is a copy of it.
  uint8_t* first = bytes.data();
  first[0] = 0;
  first[1] = r, first[2] = g, first[3] = b;
  for (std::size_t done = 3, total = 3 * static_cast<std::size_t>(w); done < total;) {
    std::size_t n = std::min(done, total - done);
    std::memcpy(first + 1 + done, first + 1, n);
    done += n;
  }
  for (int y = 1; y < h; ++y) std::memcpy(first + y * row_bytes(), first, row_bytes());
}

namespace {

// Deflate's bit order: least significant bit first; Huffman codes are stored bit-reversed.
// Writes into a buffer the caller sized for the worst case (4 bytes at a time, unchecked).
class BitWriter {
 public:
  explicit BitWriter(uint8_t* out) : begin_(out), out_(out) {}
  // n <= 32 bits.
  void put(uint32_t bits, int n) {
    acc_ |= static_cast<uint64_t>(bits) << count_;
    count_ += n;
    if (count_ >= 32) {
      uint8_t b[4] = {uint8_t(acc_), uint8_t(acc_ >> 8), uint8_t(acc_ >> 16), uint8_t(acc_ >> 24)};
      std::memcpy(out_, b, 4);
      out_ += 4;
      acc_ >>= 32;
      count_ -= 32;
    }
  }
  // Pads to a byte boundary; returns the bytes written.
  std::size_t finish() {
    while (count_ > 0) {
      *out_++ = uint8_t(acc_);
      acc_ >>= 8;
      count_ -= 8;
    }
    acc_ = 0;
    count_ = 0;
    return static_cast<std::size_t>(out_ - begin_);
  }

 private:
  uint8_t* begin_;
  uint8_t* out_;
  uint64_t acc_ = 0;
  int count_ = 0;
};

uint32_t reverse_bits(uint32_t v, int n) {
  uint32_t r = 0;
  for (int i = 0; i < n; ++i) r |= ((v >> i) & 1) << (n - 1 - i);
  return r;
}

// Deflate's fixed Huffman code (RFC 1951 3.2.6) and its length and distance tables, as ready
// to write bit strings: code bits (reversed) with the extra bits above them.
struct Code {
  uint32_t bits;
  int n;
};
struct FixedTables {
  Code literal[256];
  Code length[259];  // match lengths 3..258: symbol code + extra bits
  Code end_of_block;
  FixedTables() {
    auto symbol = [](int s) -> Code {
      if (s < 144) return {reverse_bits(0x30 + s, 8), 8};
      if (s < 256) return {reverse_bits(0x190 + s - 144, 9), 9};
      if (s < 280) return {reverse_bits(s - 256, 7), 7};
      return {reverse_bits(0xC0 + s - 280, 8), 8};
    };
    for (int s = 0; s < 256; ++s) literal[s] = symbol(s);
    end_of_block = symbol(256);
    static const int base[] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const int extra[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    for (int len = 3; len <= 258; ++len) {
      int i = 28;
      while (base[i] > len) --i;
      Code c = symbol(257 + i);
      length[len] = {c.bits | static_cast<uint32_t>(len - base[i]) << c.n, c.n + extra[i]};
    }
  }
};
const FixedTables& fixed() {
  static const FixedTables t;
  return t;
}

// A distance's code (5 bits, fixed) with its extra bits.
Code distance_code(int d) {
  static const int base[] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                             1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
  int i = 29;
  while (base[i] > d) --i;
  int extra = i < 4 ? 0 : i / 2 - 1;
  return {reverse_bits(i, 5) | static_cast<uint32_t>(d - base[i]) << 5, 5 + extra};
}

// How many bytes from p equal those `dist` before it, up to `limit`.
inline std::size_t match_length(const uint8_t* p, std::size_t dist, std::size_t limit) {
  const uint8_t* q = p - dist;
  std::size_t n = 0;
  while (n + 8 <= limit) {
    uint64_t a, b;
    std::memcpy(&a, p + n, 8);
    std::memcpy(&b, q + n, 8);
    if (uint64_t x = a ^ b) return n + (__builtin_ctzll(x) >> 3);
    n += 8;
  }
  while (n < limit && p[n] == q[n]) ++n;
  return n;
}

// Deflates one band of scanlines as a fixed-Huffman block. Matches never reach before `data`,
// so bands are compressed independently (and concurrently). A band that is not the last ends
// with an empty stored block, which byte-aligns it, so the next band's bytes simply follow.
void deflate_rows(const uint8_t* data, std::size_t size, std::size_t row_bytes, bool last, std::string& out) {
  const FixedTables& t = fixed();
  // Rows wider than deflate's 32 KiB window only get the pixel-repeat matches.
  const std::size_t up = row_bytes <= 32768 ? row_bytes : 0;
  const Code up_code = up ? distance_code(static_cast<int>(up)) : Code{0, 0};
  const Code run_code = distance_code(3);
  // At most 9 bits per input byte (a literal), plus the block header and end: size this once.
  // (Uninitialized: only the part written is ever touched.)
  std::unique_ptr<uint8_t[]> buffer(new uint8_t[size / 8 * 9 + 64]);
  BitWriter w(buffer.get());
  w.put((last ? 1 : 0) | 1 << 1, 3);  // BFINAL, BTYPE = 01 (fixed Huffman)
  std::size_t p = 0;
  // The first row, where there is no row above, and the last few bytes, where a 4-byte load
  // would overrun, take the careful path; everything else first compares three bytes at once,
  // so an anti-aliased pixel that matches nothing costs two loads and two compares.
  const std::size_t fast_begin = std::max<std::size_t>(up, 3), fast_end = size >= 4 ? size - 3 : 0;
  auto load3 = [](const uint8_t* q) {
    uint32_t v;
    std::memcpy(&v, q, 4);
    return v & 0xFFFFFF;
  };
  while (p < size) {
    std::size_t limit = std::min<std::size_t>(258, size - p);
    std::size_t len = 0;
    Code dist{0, 0};
    if (p >= fast_begin && p < fast_end) {
      uint32_t here = load3(data + p);
      if (up && here == load3(data + p - up)) {
        len = match_length(data + p, up, limit);
        dist = up_code;
      }
      if (len < limit && here == load3(data + p - 3)) {
        std::size_t run = match_length(data + p, 3, limit);
        if (run > len) len = run, dist = run_code;
      }
    } else {
      if (up && p >= up) {
        len = match_length(data + p, up, limit);
        dist = up_code;
      }
      if (len < limit && p >= 3) {
        std::size_t run = match_length(data + p, 3, limit);
        if (run > len) len = run, dist = run_code;
      }
    }
    if (len >= 3) {
      const Code& l = t.length[len];
      w.put(l.bits | dist.bits << l.n, l.n + dist.n);
      p += len;
    } else {
      const Code& l = t.literal[data[p]];
      w.put(l.bits, l.n);
      ++p;
    }
  }
  w.put(t.end_of_block.bits, t.end_of_block.n);
  if (!last) w.put(0, 3);  // BFINAL = 0, BTYPE = 00 (stored), then LEN = 0, NLEN = ~0 aligned
  std::size_t n = w.finish();
  out.append(reinterpret_cast<const char*>(buffer.get()), n);
  if (!last) out.append("\x00\x00\xFF\xFF", 4);
}

void put_be32(std::string& out, uint32_t v) {
  char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out.append(b, 4);
}

// Appends a chunk: length, type, data, CRC of type and data.
void chunk(std::string& out, const char* type, const std::string& data) {
  put_be32(out, static_cast<uint32_t>(data.size()));
  std::size_t start = out.size();
  out.append(type, 4);
  out += data;
  uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(out.data() + start), static_cast<uInt>(out.size() - start));
  put_be32(out, crc);
}

// zlib's adler32 in pieces that fit its uInt length.
uint32_t adler(const uint8_t* data, std::size_t size) {
  uLong a = adler32(0, nullptr, 0);
  for (std::size_t off = 0; off < size;) {
    std::size_t n = std::min<std::size_t>(size - off, 1u << 30);
    a = adler32(a, data + off, static_cast<uInt>(n));
    off += n;
  }
  return static_cast<uint32_t>(a);
}

}  // namespace

namespace {
const std::size_t kTwoThreadsFrom = std::size_t{1} << 20;  // image bytes
}  // namespace

std::string encode_png(RgbImage& image, const std::function<void(RgbImage&, int, int)>& prepare) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put_be32(ihdr, static_cast<uint32_t>(image.width));
  put_be32(ihdr, static_cast<uint32_t>(image.height));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit, RGB, deflate, adaptive filters, no interlace
  chunk(png, "IHDR", ihdr);

  // Two bands on two threads when there is enough to share: under 1 MiB (400×200 is 240 KB, a
  // millisecond of work) a helper thread is a loss on a busy machine, where it must first be
  // scheduled. The split depends only on the size, so the bytes never depend on the machine.
  // The first row of the second band has no row above to match (the other thread may still be
  // drawing it): a row's worth of literals.
  const std::size_t rb = image.row_bytes();
  const int split = image.bytes.size() >= kTwoThreadsFrom && image.height >= 2 ? image.height / 2 : 0;
  struct Band {
    int begin, end;
    std::string deflated;
    uint32_t adler = 0;
  };
  Band bands[2] = {{0, split, {}, 0}, {split, image.height, {}, 0}};
  auto run = [&](Band& b) {
    if (prepare) prepare(image, b.begin, b.end);
    const uint8_t* data = image.bytes.data() + b.begin * rb;
    std::size_t size = static_cast<std::size_t>(b.end - b.begin) * rb;
    deflate_rows(data, size, rb, b.end == image.height, b.deflated);
    b.adler = adler(data, size);
  };
  if (split > 0) {
    run_both([&] { run(bands[0]); }, [&] { run(bands[1]); });
  } else {
    run(bands[1]);
  }

  std::string z = "\x78\x01";  // zlib header: deflate, 32 KiB window, fastest
  uint32_t checksum = bands[1].adler;
  if (split > 0) {
    z += bands[0].deflated;
    checksum = static_cast<uint32_t>(adler32_combine(bands[0].adler, bands[1].adler,
                                                     static_cast<z_off_t>((image.height - split) * rb)));
  }
  z += bands[1].deflated;
  put_be32(z, checksum);
  if (z.size() > 0x7FFFFFFF) throw std::runtime_error("png: image too large");
  chunk(png, "IDAT", z);
  chunk(png, "IEND", std::string());
  return png;
}

}  // namespace wordcloud
