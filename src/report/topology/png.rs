//! `topology.png`: the SVG rendered by `resvg`, so that the picture is the
//! SVG's drawing exactly (the other plots are drawn with plotters, which
//! would mean drawing the diagram a second time, its text and Bézier
//! arrows included). Fonts come from the embedded DejaVu Sans alone, never
//! the system's: the same bytes on every machine.

use std::io;
use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

/// The PNG is drawn at the SVG's own size. Twice the size was sharper on
/// high-density screens but cost the demo 2.6% of a run's instructions
/// (62 M, four times the pixels to fill and filter) against 1% at this
/// size; the HTML report shows the SVG, which is sharp at any size.
pub const SCALE: f32 = 1.0;

/// A font database with DejaVu Sans (regular and bold) and nothing else,
/// every generic family mapped to it.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(dejavu::sans::regular().to_vec());
        db.load_font_data(dejavu::sans::bold().to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
        db.set_monospace_family("DejaVu Sans");
        db.set_cursive_family("DejaVu Sans");
        db.set_fantasy_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// `svg` as a PNG at [`SCALE`] times its size.
pub fn render(svg: &str) -> io::Result<Vec<u8>> {
    let bad = |e: String| io::Error::new(io::ErrorKind::InvalidData, e);
    let opts = usvg::Options {
        fontdb: fonts(),
        font_family: "DejaVu Sans".to_string(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opts).map_err(|e| bad(format!("topology.svg: {e}")))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(SCALE)
        .ok_or_else(|| bad("topology.svg: empty".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| {
        bad(format!(
            "topology.png: {}x{} is too large",
            size.width(),
            size.height()
        ))
    })?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    encode(&pixmap).map_err(|e| bad(format!("topology.png: {e}")))
}

/// The pixmap as an 8-bit RGB PNG, composited over white (the drawing's
/// background is opaque white already), with `png`'s fast compression:
/// tiny-skia's own encoder (RGBA, balanced compression) took most of the
/// time the diagram costs a run, for a file about as small.
fn encode(pixmap: &tiny_skia::Pixmap) -> Result<Vec<u8>, png::EncodingError> {
    let mut rgb = vec![0u8; pixmap.data().len() / 4 * 3];
    for (out, px) in rgb.chunks_exact_mut(3).zip(pixmap.data().chunks_exact(4)) {
        // Premultiplied over white: c + (255 - alpha).
        let white = 255 - px[3];
        out[0] = px[0] + white;
        out[1] = px[1] + white;
        out[2] = px[2] + white;
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut w = enc.write_header()?;
    w.write_image_data(&rgb)?;
    w.finish()?;
    Ok(out)
}
