//! Text, laid out here and drawn glyph by glyph through plotters.
//!
//! plotters 0.3.7 draws `ab_glyph` text without each glyph's left side
//! bearing, which makes the spacing uneven ("varian t", "ch ange"). So every
//! text of the plots is laid out from the font's own metrics (advances, side
//! bearings and kerning of the embedded DejaVu Sans, read with `ab_glyph`)
//! and each glyph is drawn on its own at its pen position plus its bearing,
//! which plotters then leaves alone.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontTransform, IntoFont};

use super::style::{Area, Drawn, FONT, register_fonts};

/// The embedded font, for its metrics (advance, bearing, kerning), read with
/// `ab_glyph`, the parser plotters itself uses.
fn font() -> Option<&'static FontRef<'static>> {
    static F: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    F.get_or_init(|| FontRef::try_from_slice(dejavu::sans::regular()).ok())
        .as_ref()
}

/// Each character of `text` with the offset of its ink's left edge from the
/// start, and the text's advance width, in pixels at `size`.
fn layout(text: &str, size: f64) -> (Vec<(char, f64)>, f64) {
    let Some(f) = font() else {
        // Unreachable with the embedded font; a rough fallback.
        let w = size * 0.55;
        return (
            text.chars()
                .enumerate()
                .map(|(i, c)| (c, i as f64 * w))
                .collect(),
            w * text.chars().count() as f64,
        );
    };
    // ab_glyph scales the ascender-to-descender height to the font size.
    let scale = size / f.height_unscaled() as f64;
    let mut out = Vec::with_capacity(text.len());
    let mut pen = 0.0;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let g = f.glyph_id(c);
        if let Some(p) = prev {
            pen += f.kern_unscaled(p, g) as f64 * scale;
        }
        let (advance, lsb) = (
            f.h_advance_unscaled(g) as f64,
            f.h_side_bearing_unscaled(g) as f64,
        );
        // ab_glyph rasterises the glyph placed at 0: its bitmap starts at
        // floor(bearing); plotters draws that bitmap at the position given.
        out.push((c, pen.round() + (lsb * scale).floor()));
        pen += advance * scale;
        prev = Some(g);
    }
    (out, pen)
}

/// The width of `text` in pixels at `size`.
pub(crate) fn width(text: &str, size: u32) -> i32 {
    layout(text, size as f64).1.ceil() as i32
}

/// The height of a line of text as plotters anchors it.
fn line_height(size: f64) -> i32 {
    (size / 1.24) as i32
}

/// Draws `text` on `root` (absolute pixels) anchored at `at` by `anchor`,
/// rotated a quarter turn counter-clockwise (reading upwards) if `up`.
///
/// The size is made even: plotters places each glyph `size / 2` below its
/// position truncated toward zero, which for an odd size puts some glyphs
/// half a pixel up and others down (a raised `w` in "web").
pub(crate) fn draw(
    root: &Area,
    text: &str,
    size: u32,
    color: RGBColor,
    at: (i32, i32),
    (h, v): (HPos, VPos),
    up: bool,
) -> Drawn {
    register_fonts();
    let size = (size & !1).max(2);
    let (glyphs, advance) = layout(text, size as f64);
    let w = advance.round() as i32;
    let ht = line_height(size as f64);
    let along = match h {
        HPos::Left => 0,
        HPos::Center => -w / 2,
        HPos::Right => -w,
    };
    let across = match v {
        VPos::Top => 0,
        VPos::Center => -ht / 2,
        VPos::Bottom => -ht,
    };
    let mut style = TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Top),
    };
    if up {
        style.font = style.font.transform(FontTransform::Rotate270);
    }
    for (c, dx) in glyphs {
        if c == ' ' {
            continue;
        }
        let mut buf = [0u8; 4];
        let s = c.encode_utf8(&mut buf);
        let off = along + dx as i32;
        // Rotated, plotters maps the glyph's (x, y) to (y, -x).
        let pos = if up {
            (at.0 + across, at.1 - off)
        } else {
            (at.0 + off, at.1 + across)
        };
        root.draw_text(s, &style, pos)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_parses_and_agrees_with_plotters_on_widths() {
        register_fonts();
        let f = font().expect("DejaVu Sans parses");
        for c in ['a', 'é', '—'] {
            assert_ne!(f.glyph_id(c), GlyphId(0), "{c}");
        }
        let text = "Response time — demo, variant base (p99.9 ms)";
        let ours = width(text, 20);
        let theirs = plotters::style::FontDesc::new(FONT.into(), 20.0, FontStyle::Normal)
            .box_size(text)
            .expect("font registered")
            .0 as i32;
        assert!((ours - theirs).abs() <= 3, "{ours} vs {theirs}");
    }
}
