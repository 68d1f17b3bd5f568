//! Text widths on the embedded DejaVu Sans, read with `ab_glyph`, so that
//! every box is as wide as its longest line drawn in that font (the SVG
//! names the same font, and the PNG is rendered with it alone).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId};

/// DejaVu Sans, regular and bold, parsed once.
fn fonts() -> &'static Option<(FontRef<'static>, FontRef<'static>)> {
    static F: OnceLock<Option<(FontRef<'static>, FontRef<'static>)>> = OnceLock::new();
    F.get_or_init(|| {
        let regular = FontRef::try_from_slice(dejavu::sans::regular()).ok()?;
        let bold = FontRef::try_from_slice(dejavu::sans::bold()).ok()?;
        Some((regular, bold))
    })
}

/// The advance width of `text` in pixels at `size` pixels per em (SVG's
/// `font-size`), with the font's kerning pairs.
pub fn width(text: &str, size: f64, bold: bool) -> f64 {
    let Some((regular, b)) = fonts() else {
        // Unreachable with the embedded fonts: an em per character is wider
        // than any DejaVu Sans glyph of the Latin scripts, so text still fits.
        return size * text.chars().count() as f64;
    };
    let f = if bold { b } else { regular };
    // SVG's font size is the em square (not ab_glyph's ascender-to-descender
    // height, which `PxScale` means).
    let scale = size / f.units_per_em().unwrap_or(2048.0) as f64;
    let mut pen = 0.0;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let g = f.glyph_id(c);
        if let Some(p) = prev {
            pen += f.kern_unscaled(p, g) as f64;
        }
        pen += f.h_advance_unscaled(g) as f64;
        prev = Some(g);
    }
    pen * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_grow_with_text_and_bold_is_wider() {
        let a = width("web", 13.0, false);
        assert!(a > 20.0 && a < 30.0, "{a}");
        assert!(width("web", 13.0, true) > a);
        assert!(width("web-tier", 13.0, false) > a);
        assert_eq!(width("", 13.0, false), 0.0);
    }
}
