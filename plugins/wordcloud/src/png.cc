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

// The most deflate_rows writes for `size` input bytes: at most 9 bits per input byte (a
// literal), plus the block header and end and a non-last band's empty stored block.
std::size_t deflate_bound(std::size_t size) { return size / 8 * 9 + 64; }

// Deflates one band of scanlines as a fixed-Huffman block into `out` (deflate_bound(size)
// bytes, uninitialized: only the part written is ever read); returns the bytes written.
// Matches never reach before `data`, so bands are compressed independently (and
// concurrently). A band that is not the last ends with an empty stored block, which
// byte-aligns it, so the next band's bytes simply follow.
std::size_t deflate_rows(const uint8_t* data, std::size_t size, std::size_t row_bytes, bool last, uint8_t* out) {
  const FixedTables& t = fixed();
  // Rows wider than deflate's 32 KiB window only get the pixel-repeat matches.
  const std::size_t up = row_bytes <= 32768 ? row_bytes : 0;
  const Code up_code = up ? distance_code(static_cast<int>(up)) : Code{0, 0};
  const Code run_code = distance_code(3);
  BitWriter w(out);
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
  if (!last) {
    std::memcpy(out + n, "\x00\x00\xFF\xFF", 4);
    n += 4;
  }
  return n;
}

uint8_t* put_be32(uint8_t* out, uint32_t v) {
  out[0] = uint8_t(v >> 24), out[1] = uint8_t(v >> 16), out[2] = uint8_t(v >> 8), out[3] = uint8_t(v);
  return out + 4;
}

// Writes a chunk whose `size` data bytes are already in place after its length and type
// (`at` is where the chunk starts): length, type, CRC of type and data. Returns its end.
uint8_t* finish_chunk(uint8_t* at, const char* type, std::size_t size) {
  put_be32(at, static_cast<uint32_t>(size));
  std::memcpy(at + 4, type, 4);
  uLong crc = crc32(0, nullptr, 0);
  const uint8_t* p = at + 4;
  for (std::size_t left = size + 4; left > 0;) {  // crc32's length is a uInt
    std::size_t n = std::min<std::size_t>(left, 1u << 30);
    crc = crc32(crc, p, static_cast<uInt>(n));
    p += n, left -= n;
  }
  return put_be32(at + 8 + size, static_cast<uint32_t>(crc));
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

PngFile encode_png(RgbImage& image, const std::function<void(RgbImage&, int, int)>& prepare) {
  // Two bands on two threads when there is enough to share: under 1 MiB (400×200 is 240 KB, a
  // millisecond of work) a helper thread is a loss on a busy machine, where it must first be
  // scheduled. The split depends only on the size, so the bytes never depend on the machine.
  // The first row of the second band has no row above to match (the other thread may still be
  // drawing it): a row's worth of literals.
  const std::size_t rb = image.row_bytes();
  const int split = image.bytes.size() >= kTwoThreadsFrom && image.height >= 2 ? image.height / 2 : 0;
  const std::size_t size0 = static_cast<std::size_t>(split) * rb, size1 = image.bytes.size() - size0;

  // The whole file in one allocation sized for the worst case, never zero-filled: the first
  // band is deflated straight into its place in the IDAT chunk, and a second band (two
  // threads) into a buffer of its own, copied after the first.
  const std::size_t header = 8 + 25;  // signature, IHDR
  const std::size_t idat_data = header + 8;
  PngFile png;
  const std::size_t capacity = idat_data + 2 + (split > 0 ? deflate_bound(size0) : 0) + deflate_bound(size1) + 4 + 4 + 12;
  png.bytes.reset(new uint8_t[capacity]);
  uint8_t* out = png.bytes.get();
  std::memcpy(out, "\x89PNG\r\n\x1a\n", 8);
  uint8_t* ihdr = put_be32(put_be32(out + 16, static_cast<uint32_t>(image.width)), static_cast<uint32_t>(image.height));
  std::memcpy(ihdr, "\x08\x02\x00\x00\x00", 5);  // 8-bit, RGB, deflate, adaptive filters, no interlace
  finish_chunk(out + 8, "IHDR", 13);
  uint8_t* z = out + idat_data;
  z[0] = 0x78, z[1] = 0x01;  // zlib header: deflate, 32 KiB window, fastest

  struct Band {
    int begin, end;
    uint8_t* out;
    std::size_t written = 0;
    uint32_t adler = 0;
  };
  std::unique_ptr<uint8_t[]> second;
  if (split > 0) second.reset(new uint8_t[deflate_bound(size1)]);
  Band bands[2] = {{0, split, z + 2, 0, 0}, {split, image.height, split > 0 ? second.get() : z + 2, 0, 0}};
  auto run = [&](Band& b) {
    if (prepare) prepare(image, b.begin, b.end);
    const uint8_t* data = image.bytes.data() + b.begin * rb;
    std::size_t size = static_cast<std::size_t>(b.end - b.begin) * rb;
    b.written = deflate_rows(data, size, rb, b.end == image.height, b.out);
    b.adler = adler(data, size);
  };
  std::size_t deflated;
  uint32_t checksum;
  if (split > 0) {
    run_both([&] { run(bands[0]); }, [&] { run(bands[1]); });
    std::memcpy(z + 2 + bands[0].written, bands[1].out, bands[1].written);
    deflated = bands[0].written + bands[1].written;
    checksum = static_cast<uint32_t>(adler32_combine(bands[0].adler, bands[1].adler, static_cast<z_off_t>(size1)));
  } else {
    run(bands[1]);
    deflated = bands[1].written;
    checksum = bands[1].adler;
  }
  put_be32(z + 2 + deflated, checksum);
  const std::size_t idat_size = 2 + deflated + 4;
  if (idat_size > 0x7FFFFFFF) throw std::runtime_error("png: image too large");
  uint8_t* end = finish_chunk(out + header, "IDAT", idat_size);
  end = finish_chunk(end, "IEND", 0);
  png.size = static_cast<std::size_t>(end - out);
  return png;
}

}  // namespace wordcloud
