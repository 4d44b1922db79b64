#include "cloud.hpp"

#include <cairo.h>

#include <exception>

#include "font.hpp"

namespace wordcloud {

Cloud make_cloud(std::string_view input, const Options& options, const Progress& progress) {
  Cloud cloud;
  cloud.background = parse_color(options.background);
  check_colormap(options.colormap);
  std::vector<std::string> docs = documents_from_input(input, options.field);
  cloud.documents = docs.size();

  TokenizeOptions t;
  t.stopwords = options.stopwords ? *options.stopwords : builtin_stopwords();
  t.stopwords.insert(t.stopwords.end(), options.extra_stopwords.begin(), options.extra_stopwords.end());
  t.collocations = options.collocations;
  t.collocation_threshold = options.collocation_threshold;
  t.normalize_plurals = options.normalize_plurals;
  t.include_numbers = options.include_numbers;
  cloud.counts = count_words(docs, t);
  if (cloud.counts.empty()) {
    bool blank = input.find_first_not_of(" \t\r\n") == std::string_view::npos;
    throw NoWordsError(std::string("no words to draw: ") +
                       (blank         ? "the input is empty"
                        : docs.empty() ? "no JSON record has a string '" + options.field + "'"
                                       : std::to_string(docs.size()) +
                                             " text(s) read, and every word is a stopword or a number"));
  }

  cloud.font_path = options.font.empty() ? default_font_path() : options.font;
  Font font(cloud.font_path);
  LayoutOptions lo;
  lo.width = options.width;
  lo.height = options.height;
  lo.min_font_size = options.min_font_size;
  lo.max_font_size = options.max_font_size;
  lo.prefer_horizontal = options.prefer_horizontal;
  lo.relative_scaling = options.relative_scaling;
  lo.margin = options.margin;
  lo.on_progress = progress;
  std::vector<WordCount> top(cloud.counts.begin(),
                             cloud.counts.begin() + std::min<std::size_t>(cloud.counts.size(), options.max_words));
  Rng rng(static_cast<uint64_t>(options.seed));
  cloud.layout = layout_words(top, font, lo, rng);
  for (std::size_t i = 0; i < cloud.layout.words.size(); ++i)
    cloud.colors.push_back(colormap_color(options.colormap, rng.uniform()));
  return cloud;
}

namespace {
struct SinkState {
  const ByteSink* sink;
  std::exception_ptr error;
};
cairo_status_t write_chunk(void* closure, const unsigned char* data, unsigned int length) {
  auto* s = static_cast<SinkState*>(closure);
  try {
    (*s->sink)(data, length);
    return CAIRO_STATUS_SUCCESS;
  } catch (...) {
    s->error = std::current_exception();
    return CAIRO_STATUS_WRITE_ERROR;
  }
}
}  // namespace

void write_png(const Cloud& cloud, const ByteSink& sink) {
  const Layout& l = cloud.layout;
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, l.width, l.height);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, cloud.background.r / 255.0, cloud.background.g / 255.0, cloud.background.b / 255.0);
  cairo_paint(cr);
  // Composite the very masks the layout measured: the drawn ink is the measured ink.
  for (std::size_t i = 0; i < l.words.size(); ++i) {
    const PlacedWord& w = l.words[i];
    cairo_surface_t* mask = cairo_image_surface_create_for_data(
        const_cast<unsigned char*>(w.mask.alpha.data()), CAIRO_FORMAT_A8, w.mask.width, w.mask.height, w.mask.stride);
    const Rgb& c = cloud.colors[i];
    cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0);
    cairo_mask_surface(cr, mask, w.x, w.y);
    cairo_surface_destroy(mask);
  }
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  SinkState state{&sink, nullptr};
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_write_to_png_stream(surface, &write_chunk, &state);
  cairo_surface_destroy(surface);
  if (state.error) std::rethrow_exception(state.error);
  if (status != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cairo: rendering the PNG failed: ") + cairo_status_to_string(status));
}

}  // namespace wordcloud
