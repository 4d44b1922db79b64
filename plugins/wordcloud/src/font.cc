#include "font.hpp"

#include <cairo-ft.h>
#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_BITMAP_H
#include FT_OUTLINE_H

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <sys/stat.h>

#include "text.hpp"

namespace wordcloud {

namespace {

const char kDejaVuSans[] = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The FreeType library and face live as long as Cairo's font face, which Cairo may keep in its
// caches after Font is gone: they are freed by the face's user-data destructor.
struct FtHolder {
  FT_Library library = nullptr;
  FT_Face face = nullptr;
  // A second face of the same file for Font::glyph: sizing `face` behind Cairo's back would
  // leave Cairo's idea of its current size wrong.
  FT_Face raster = nullptr;
  ~FtHolder() {
    if (raster) FT_Done_Face(raster);
    if (face) FT_Done_Face(face);
    if (library) FT_Done_FreeType(library);
  }
};
const cairo_user_data_key_t kFtHolderKey{};

// Fixed options, so output does not depend on the desktop's fontconfig settings. No hinting:
// hinting would make vertical and horizontal glyphs differ and sizes step unevenly.
cairo_font_options_t* font_options() {
  static cairo_font_options_t* options = [] {
    cairo_font_options_t* o = cairo_font_options_create();
    cairo_font_options_set_antialias(o, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
    return o;
  }();
  return options;
}

// The horizontal word's ink extents relative to its origin: [x0, x1] × [y0, y1].
void text_extents(const Font& font, const std::string& text, int size, double* x0, double* y0, double* x1,
                  double* y1) {
  const Font::Shaped& s = font.shaped(text);
  *x0 = s.x0 * size, *x1 = s.x1 * size;
  *y0 = s.y0 * size, *y1 = s.y1 * size;
}

}  // namespace

std::string default_font_path() {
  if (is_file(kDejaVuSans)) return kDejaVuSans;
  std::string found;
  if (FcConfig* config = FcInitLoadConfigAndFonts()) {
    FcPattern* pattern = FcNameParse(reinterpret_cast<const FcChar8*>("DejaVu Sans"));
    FcConfigSubstitute(config, pattern, FcMatchPattern);
    FcDefaultSubstitute(pattern);
    FcResult result;
    if (FcPattern* match = FcFontMatch(config, pattern, &result)) {
      FcChar8* file = nullptr;
      if (FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch) found = reinterpret_cast<char*>(file);
      FcPatternDestroy(match);
    }
    FcPatternDestroy(pattern);
    FcConfigDestroy(config);
  }
  if (found.empty()) throw std::runtime_error("no font: DejaVu Sans is not installed (fonts-dejavu-core); set config 'font'");
  return found;
}

Font::Font(const std::string& path) : path_(path) {
  auto holder = std::make_unique<FtHolder>();
  if (FT_Init_FreeType(&holder->library) != 0) throw std::runtime_error("FreeType failed to initialize");
  if (!is_file(path) || FT_New_Face(holder->library, path.c_str(), 0, &holder->face) != 0)
    throw std::runtime_error("cannot open font '" + path + "'");
  if (!FT_IS_SCALABLE(holder->face)) throw std::runtime_error("font '" + path + "' is not scalable");
  if (FT_New_Face(holder->library, path.c_str(), 0, &holder->raster) != 0)
    throw std::runtime_error("cannot open font '" + path + "'");
  face_ = cairo_ft_font_face_create_for_ft_face(holder->face, 0);
  if (cairo_font_face_set_user_data(face_, &kFtHolderKey, holder.get(),
                                    [](void* p) { delete static_cast<FtHolder*>(p); }) != CAIRO_STATUS_SUCCESS) {
    cairo_font_face_destroy(face_);
    throw std::runtime_error("cairo: out of memory");
  }
  holder.release();
}

Font::~Font() {
  for (cairo_scaled_font_t* f : scaled_)
    if (f) cairo_scaled_font_destroy(f);
  if (reference_) cairo_scaled_font_destroy(reference_);
  cairo_font_face_destroy(face_);
}

const Font::Shaped& Font::shaped(const std::string& text) const {
  auto found = shaped_.find(text);
  if (found != shaped_.end()) return found->second;
  const double reference_size = 256;
  if (!reference_) {
    cairo_matrix_t font_matrix, ctm;
    cairo_matrix_init_scale(&font_matrix, reference_size, reference_size);
    cairo_matrix_init_identity(&ctm);
    reference_ = cairo_scaled_font_create(face_, &font_matrix, &ctm, font_options());
  }
  cairo_glyph_t* glyphs = nullptr;
  int count = 0;
  cairo_status_t status = cairo_scaled_font_text_to_glyphs(reference_, 0, 0, text.data(), static_cast<int>(text.size()),
                                                           &glyphs, &count, nullptr, nullptr, nullptr);
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_scaled_font_status(reference_);
  if (status != CAIRO_STATUS_SUCCESS) {
    cairo_glyph_free(glyphs);
    throw std::runtime_error(std::string("cairo: ") + cairo_status_to_string(status));
  }
  Shaped s;
  s.glyphs.assign(glyphs, glyphs + count);
  cairo_glyph_free(glyphs);
  cairo_text_extents_t e;
  cairo_scaled_font_glyph_extents(reference_, s.glyphs.data(), count, &e);
  for (cairo_glyph_t& g : s.glyphs) g.x /= reference_size, g.y /= reference_size;
  s.x0 = e.x_bearing / reference_size, s.x1 = (e.x_bearing + e.width) / reference_size;
  s.y0 = e.y_bearing / reference_size, s.y1 = (e.y_bearing + e.height) / reference_size;
  return shaped_.emplace(text, std::move(s)).first->second;
}

cairo_scaled_font_t* Font::scaled(int size) const {
  if (size < 1) throw std::invalid_argument("font size out of range");
  if (static_cast<std::size_t>(size) >= scaled_.size()) scaled_.resize(size + 1, nullptr);
  cairo_scaled_font_t*& f = scaled_[size];
  if (!f) {
    cairo_matrix_t font_matrix, ctm;
    cairo_matrix_init_scale(&font_matrix, size, size);
    cairo_matrix_init_identity(&ctm);
    f = cairo_scaled_font_create(face_, &font_matrix, &ctm, font_options());
    if (cairo_status_t status = cairo_scaled_font_status(f); status != CAIRO_STATUS_SUCCESS) {
      cairo_scaled_font_destroy(f);
      f = nullptr;
      throw std::runtime_error(std::string("cairo: ") + cairo_status_to_string(status));
    }
  }
  return f;
}

const Font::Glyph& Font::glyph(unsigned long index, int size) const {
  uint64_t key = static_cast<uint64_t>(size) << 32 | index;
  auto found = glyphs_.find(key);
  if (found != glyphs_.end()) return found->second;
  Glyph g;
  FT_Face face = static_cast<FtHolder*>(cairo_font_face_get_user_data(face_, &kFtHolderKey))->raster;
  if (raster_size_ != size) {
    if (FT_Set_Char_Size(face, static_cast<FT_F26Dot6>(size) * 64, static_cast<FT_F26Dot6>(size) * 64, 0, 0) != 0)
      throw std::runtime_error("freetype: cannot set font size " + std::to_string(size));
    raster_size_ = size;
  }
  if (FT_Load_Glyph(face, static_cast<FT_UInt>(index), FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP) == 0 &&
      face->glyph->format == FT_GLYPH_FORMAT_OUTLINE) {
    FT_Outline* outline = &face->glyph->outline;
    FT_BBox box;
    FT_Outline_Get_CBox(outline, &box);
    box.xMin &= -64;
    box.yMin &= -64;
    box.xMax = (box.xMax + 63) & -64;
    box.yMax = (box.yMax + 63) & -64;
    int width = static_cast<int>((box.xMax - box.xMin) >> 6), height = static_cast<int>((box.yMax - box.yMin) >> 6);
    if (width > 0 && height > 0) {
      g.coverage.assign(static_cast<std::size_t>(width) * height, 0);
      FT_Bitmap bitmap;
      FT_Bitmap_Init(&bitmap);
      bitmap.rows = static_cast<unsigned>(height);
      bitmap.width = static_cast<unsigned>(width);
      bitmap.pitch = width;
      bitmap.buffer = g.coverage.data();
      bitmap.num_grays = 256;
      bitmap.pixel_mode = FT_PIXEL_MODE_GRAY;
      FT_Outline_Translate(outline, -box.xMin, -box.yMin);
      if (FT_Outline_Get_Bitmap(face->glyph->library, outline, &bitmap) != 0)
        throw std::runtime_error("freetype: cannot rasterize a glyph");
      // Cropped to its ink (the box rounded out often has empty rows or columns).
      int cx0 = width, cy0 = height, cx1 = -1, cy1 = -1;
      for (int y = 0; y < height; ++y) {
        const uint8_t* row = g.coverage.data() + static_cast<std::size_t>(y) * width;
        int first = 0, last = width - 1;
        while (first < width && !row[first]) ++first;
        if (first == width) continue;
        while (!row[last]) --last;
        cx0 = std::min(cx0, first), cx1 = std::max(cx1, last);
        cy0 = std::min(cy0, y), cy1 = y;
      }
      if (cx1 >= 0) {
        g.left = static_cast<int>(box.xMin >> 6) + cx0;
        g.top = -static_cast<int>(box.yMax >> 6) + cy0;
        g.width = cx1 - cx0 + 1;
        g.height = cy1 - cy0 + 1;
        std::vector<uint8_t> ink(static_cast<std::size_t>(g.width) * g.height);
        for (int y = 0; y < g.height; ++y)
          std::copy_n(g.coverage.data() + static_cast<std::size_t>(cy0 + y) * width + cx0, g.width,
                      ink.data() + static_cast<std::size_t>(y) * g.width);
        g.coverage = std::move(ink);
      } else {
        g.coverage.clear();
      }
    }
  }
  return glyphs_.emplace(key, std::move(g)).first->second;
}

bool Font::covers(const std::string& text) const {
  FT_Face face = static_cast<FtHolder*>(cairo_font_face_get_user_data(face_, &kFtHolderKey))->face;
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = decode_utf8(text, i);
    if (c != ' ' && FT_Get_Char_Index(face, c) == 0) return false;
  }
  return true;
}

namespace {

void show_horizontal(cairo_t* cr, const Font& font, const std::string& text, int size, int origin_x,
                     int origin_y) {
  cairo_save(cr);
  cairo_translate(cr, origin_x, origin_y);
  cairo_set_scaled_font(cr, font.scaled(size));
  const Font::Shaped& shaped = font.shaped(text);
  thread_local std::vector<cairo_glyph_t> glyphs;
  glyphs.resize(shaped.glyphs.size());
  for (std::size_t i = 0; i < glyphs.size(); ++i)
    glyphs[i] = {shaped.glyphs[i].index, shaped.glyphs[i].x * size, shaped.glyphs[i].y * size};
  cairo_show_glyphs(cr, glyphs.data(), static_cast<int>(glyphs.size()));
  cairo_restore(cr);
}

WordMask rasterize_horizontal(const Font& font, const std::string& text, int size) {
  // Each glyph's coverage added (saturating) at its pen position rounded to whole pixels: what
  // Cairo's image backend does for glyphs on a clear surface. Glyphs are cropped to their ink,
  // so the union of their boxes is the word's ink box, and they are drawn straight into it.
  struct Placed {
    const Font::Glyph* glyph;
    int x, y;  // its top-left, from the origin
  };
  thread_local std::vector<Placed> placed;
  placed.clear();
  int x0 = INT_MAX, y0 = INT_MAX, x1 = INT_MIN, y1 = INT_MIN;
  for (const cairo_glyph_t& sg : font.shaped(text).glyphs) {
    const Font::Glyph& g = font.glyph(sg.index, size);  // stays put: the cache is node-based
    if (g.width == 0) continue;
    int x = static_cast<int>(std::floor(sg.x * size + 0.5)) + g.left;
    int y = static_cast<int>(std::floor(sg.y * size + 0.5)) + g.top;
    placed.push_back({&g, x, y});
    x0 = std::min(x0, x), y0 = std::min(y0, y);
    x1 = std::max(x1, x + g.width), y1 = std::max(y1, y + g.height);
  }
  WordMask m;
  if (placed.empty()) return m;
  m.width = x1 - x0;
  m.height = y1 - y0;
  m.stride = cairo_format_stride_for_width(CAIRO_FORMAT_A8, m.width);
  m.origin_x = -x0;
  m.origin_y = -y0;
  m.alpha.assign(static_cast<std::size_t>(m.stride) * m.height, 0);
  for (const Placed& p : placed) {
    const Font::Glyph& g = *p.glyph;
    for (int y = 0; y < g.height; ++y) {
      const uint8_t* src = g.coverage.data() + static_cast<std::size_t>(y) * g.width;
      uint8_t* dst = m.alpha.data() + static_cast<std::size_t>(p.y - y0 + y) * m.stride + (p.x - x0);
      for (int x = 0; x < g.width; ++x) {
        unsigned v = dst[x] + src[x];
        dst[x] = static_cast<uint8_t>(v > 255 ? 255 : v);
      }
    }
  }
  return m;
}

}  // namespace

// Pixel (x, y) goes to (y, width - 1 - x), and the origin point (ox, oy) to (oy, width - ox):
// the text matrix [0 1; -1 0] applied about the origin.
WordMask rotate_ccw(const WordMask& h) {
  WordMask v;
  if (h.empty()) return v;
  v.width = h.height;
  v.height = h.width;
  v.stride = cairo_format_stride_for_width(CAIRO_FORMAT_A8, v.width);
  v.origin_x = h.origin_y;
  v.origin_y = h.width - h.origin_x;
  v.alpha.assign(static_cast<std::size_t>(v.stride) * v.height, 0);
  // In 16×16 tiles, so that both the reads and the scattered writes stay in cache.
  const int T = 16;
  for (int y0 = 0; y0 < h.height; y0 += T)
    for (int x0 = 0; x0 < h.width; x0 += T) {
      int y1 = std::min(h.height, y0 + T), x1 = std::min(h.width, x0 + T);
      for (int x = x0; x < x1; ++x) {
        uint8_t* dst = &v.alpha[static_cast<std::size_t>(h.width - 1 - x) * v.stride];
        const uint8_t* src = h.alpha.data() + x;
        for (int y = y0; y < y1; ++y) dst[y] = src[static_cast<std::size_t>(y) * h.stride];
      }
    }
  return v;
}

void draw_word(cairo_t* cr, const Font& font, const std::string& text, int size, bool vertical,
               int origin_x, int origin_y) {
  if (!vertical) {
    show_horizontal(cr, font, text, size, origin_x, origin_y);
    return;
  }
  // A vertical word is its horizontal rendering turned by exactly 90°, pixel for pixel, so
  // both orientations have the same glyph shapes and one rasterization serves both.
  WordMask m = rasterize_word(font, text, size, true);
  if (m.empty()) return;
  cairo_surface_t* mask = cairo_image_surface_create_for_data(m.alpha.data(), CAIRO_FORMAT_A8, m.width, m.height, m.stride);
  cairo_mask_surface(cr, mask, origin_x - m.origin_x, origin_y - m.origin_y);
  cairo_surface_destroy(mask);
}

void estimate_word_box(const Font& font, const std::string& text, int size, bool vertical,
                       double* width, double* height) {
  double x0, y0, x1, y1;
  text_extents(font, text, size, &x0, &y0, &x1, &y1);
  *width = vertical ? y1 - y0 : x1 - x0;
  *height = vertical ? x1 - x0 : y1 - y0;
}

WordMask rasterize_word(const Font& font, const std::string& text, int size, bool vertical) {
  WordMask h = rasterize_horizontal(font, text, size);
  return vertical ? rotate_ccw(h) : h;
}

}  // namespace wordcloud
