//! The time figures' builder: a plot file describes its figure (title,
//! subtitle, legend, blocks of panels stacked down the image sharing the
//! time axis, and what each panel draws) and [`draw`] lays it out and draws
//! it, always the same way: the title and the legend band (ending with the
//! warm-up's and the markers' entries), each block's caption and legend,
//! then per panel its grid and labels over the shaded warm-up, the markers
//! across it, the warm-up's and markers' labels above the top panel, and
//! its layers, in the order given (plotters draws in call order: what comes
//! later is drawn over).

use std::io;
use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::chart::{self, Axes, Chart, Ticked};
use super::markers::{Marks, draw_markers, draw_strip};
use super::style::*;

/// What the time figures of a run (or of a comparison) share.
pub(crate) struct Timeline<'a> {
    /// The time axis, from 0 to the end of the run.
    pub(crate) axis: &'a TimeAxis,
    /// The warm-up to shade, seconds.
    pub(crate) warmup: f64,
    /// The instants to mark.
    pub(crate) markers: &'a Marks,
}

impl Timeline<'_> {
    /// The legend entries every time figure ends with.
    pub(crate) fn common_entries(&self) -> Vec<Entry> {
        let mut e = Vec::new();
        if self.warmup > 0.0 {
            e.push(Entry::new("warm-up (not in summary)", Swatch::Fill(SHADE)));
        }
        e.extend(self.markers.entries());
        e
    }
}

/// A panel's y axis.
pub(crate) enum YAxis {
    /// Linear, with its ticks.
    Linear(Ticked<RangedCoordf64>),
    /// Logarithmic.
    Log(LogAxis),
}

/// How a layer's values are put into the panel (clamped into its range):
/// applied after the gaps (NaN) are found, so that a gap stays one.
pub(crate) type Fix<'a> = Box<dyn Fn(f64) -> f64 + 'a>;

/// What a custom layer may draw in its panel's coordinates.
pub(crate) trait Plot {
    /// The pixel of a point of the panel.
    fn pixel(&self, at: (f64, f64)) -> (i32, i32);
    /// Fills the rectangle between two corners, clipped to the panel.
    fn rect(&mut self, corners: [(f64, f64); 2], style: ShapeStyle) -> Drawn;
}

impl<RY: Ranged<ValueType = f64>> Plot for Chart<'_, '_, Ticked<RangedCoordf64>, Ticked<RY>> {
    fn pixel(&self, at: (f64, f64)) -> (i32, i32) {
        self.plotting_area().map_coordinate(&at)
    }

    fn rect(&mut self, corners: [(f64, f64); 2], style: ShapeStyle) -> Drawn {
        self.draw_series(std::iter::once(Rectangle::new(corners, style)))?;
        Ok(())
    }
}

/// A custom layer: draws with the image, the panel and its frame.
pub(crate) type Custom<'a> = Box<dyn FnOnce(&Area, &mut dyn Plot, &Frame) -> Drawn + 'a>;

/// One thing a panel draws over its grid.
pub(crate) enum Layer<'a> {
    /// A line broken at gaps; lone points are dots.
    Line {
        points: Vec<(f64, f64)>,
        fix: Fix<'a>,
        color: RGBColor,
        width: u32,
    },
    /// A dashed line, `on` pixels drawn and `off` skipped, broken at gaps.
    Dashed {
        points: Vec<(f64, f64)>,
        fix: Fix<'a>,
        color: RGBColor,
        on: i32,
        off: i32,
        width: u32,
    },
    /// Filled from 0 up to the points.
    Area {
        points: Vec<(f64, f64)>,
        color: RGBColor,
    },
    /// Filled between `lo` and `hi` (the same x), up to `top`.
    Band {
        lo: Vec<(f64, f64)>,
        hi: Vec<(f64, f64)>,
        top: f64,
        color: RGBColor,
    },
    /// A note centred in the panel (there is nothing to draw).
    Note(String),
    /// Anything else.
    Custom(Custom<'a>),
}

impl<'a> Layer<'a> {
    /// A line of the values as they are.
    pub(crate) fn line(
        points: impl IntoIterator<Item = (f64, f64)>,
        color: RGBColor,
        width: u32,
    ) -> Layer<'a> {
        Layer::fixed_line(points, |v| v, color, width)
    }

    /// A line of the values put into the panel by `fix`.
    pub(crate) fn fixed_line(
        points: impl IntoIterator<Item = (f64, f64)>,
        fix: impl Fn(f64) -> f64 + 'a,
        color: RGBColor,
        width: u32,
    ) -> Layer<'a> {
        Layer::Line {
            points: points.into_iter().collect(),
            fix: Box::new(fix),
            color,
            width,
        }
    }

    /// A dashed line (6 pixels on, 5 off, 2 wide) of the values as they are.
    pub(crate) fn dashed(
        points: impl IntoIterator<Item = (f64, f64)>,
        color: RGBColor,
    ) -> Layer<'a> {
        Layer::Dashed {
            points: points.into_iter().collect(),
            fix: Box::new(|v| v),
            color,
            on: 6,
            off: 5,
            width: 2,
        }
    }

    /// A note centred in the panel.
    pub(crate) fn note(text: impl Into<String>) -> Layer<'a> {
        Layer::Note(text.into())
    }

    fn draw<RY: Ranged<ValueType = f64>>(
        self,
        root: &Area,
        c: &mut Chart<Ticked<RangedCoordf64>, Ticked<RY>>,
        f: &Frame,
    ) -> Drawn {
        match self {
            Layer::Line {
                points,
                fix,
                color,
                width,
            } => chart::line(c, points.into_iter(), fix, color, width),
            Layer::Dashed {
                points,
                fix,
                color,
                on,
                off,
                width,
            } => chart::dashed(c, points.into_iter(), fix, color, (on, off), width),
            Layer::Area { points, color } => chart::area(c, &points, color),
            Layer::Band { lo, hi, top, color } => chart::band(c, &lo, &hi, top, color),
            Layer::Note(text) => note_in(root, f, &text),
            Layer::Custom(draw) => draw(root, c, f),
        }
    }
}

/// A panel: its y axis and what it draws.
pub(crate) struct Panel<'a> {
    /// Its share of its block's height.
    pub(crate) share: f64,
    pub(crate) y: YAxis,
    /// The y axis' name, with its unit.
    pub(crate) y_desc: &'a str,
    pub(crate) y_fmt: &'a dyn Fn(f64) -> String,
    /// Whether the warm-up is shaded (not behind rows of states).
    pub(crate) shade: bool,
    /// Drawn in order over the grid and the markers.
    pub(crate) layers: Vec<Layer<'a>>,
}

impl<'a> Panel<'a> {
    /// A panel with the warm-up shaded and nothing drawn yet.
    pub(crate) fn new(
        share: f64,
        y: YAxis,
        y_desc: &'a str,
        y_fmt: &'a dyn Fn(f64) -> String,
    ) -> Panel<'a> {
        Panel {
            share,
            y,
            y_desc,
            y_fmt,
            shade: true,
            layers: Vec::new(),
        }
    }

    /// Adds a layer, drawn over those before it.
    pub(crate) fn with(mut self, layer: Layer<'a>) -> Panel<'a> {
        self.layers.push(layer);
        self
    }

    /// Adds layers, in order.
    pub(crate) fn with_all(mut self, layers: impl IntoIterator<Item = Layer<'a>>) -> Panel<'a> {
        self.layers.extend(layers);
        self
    }
}

/// Panels stacked one above the other, under an optional caption and
/// legend of their own (a database of several, a component of a
/// comparison).
pub(crate) struct Block<'a> {
    pub(crate) caption: Option<String>,
    pub(crate) legend: Vec<Entry>,
    /// Time tick labels under its lowest panel (the axis' name too under the
    /// last block's).
    pub(crate) x_labels: bool,
    pub(crate) panels: Vec<Panel<'a>>,
}

impl<'a> Block<'a> {
    /// Panels with time labels under the lowest, no caption.
    pub(crate) fn of(panels: Vec<Panel<'a>>) -> Block<'a> {
        Block {
            caption: None,
            legend: Vec::new(),
            x_labels: true,
            panels,
        }
    }
}

/// A time figure: the blocks share the image's height evenly.
pub(crate) struct TimeFigure<'a> {
    pub(crate) title: String,
    pub(crate) subtitle: String,
    /// The figure's own legend entries; the warm-up's and the markers' are
    /// added after them.
    pub(crate) legend: Vec<Entry>,
    pub(crate) blocks: Vec<Block<'a>>,
}

/// Gap between stacked panels, and between blocks (besides a caption).
const GAP: i32 = 16;
/// Extra space above every block but the first.
const BLOCK_GAP: i32 = 10;

/// Draws title, subtitle and legend; returns the y below the legend.
pub(crate) fn header(root: &Area, title: &str, subtitle: &str, entries: &[Entry]) -> Drawn<i32> {
    let mut y = draw_title(root, title, subtitle)?;
    y += 2;
    y += draw_legend(root, entries, legend_span(), y)?;
    Ok(y)
}

/// Where legends are centred: over the panels' width.
fn legend_span() -> std::ops::Range<i32> {
    chart::LEFT as i32 + 8..WIDTH as i32 - chart::RIGHT_MARGIN as i32
}

/// Draws a caption at the left of a block, above its panels; returns the
/// height it takes.
fn caption(root: &Area, text: &str, y: i32) -> Drawn<i32> {
    let left = chart::LEFT as i32 + 8;
    let room = WIDTH as i32 - left - chart::RIGHT_MARGIN as i32;
    label(
        root,
        &fit(text, PANEL_TITLE_SIZE, room),
        PANEL_TITLE_SIZE,
        TEXT,
        (left, y),
        HPos::Left,
        VPos::Top,
    )?;
    Ok(PANEL_TITLE_SIZE as i32 + 8)
}

/// Areas stacked from `top` to `bottom`, their heights in proportion to
/// `shares`, [`GAP`] apart; the lowest has room for time labels under it
/// when `labels`.
fn stack<'b>(
    root: &Area<'b>,
    top: i32,
    bottom: i32,
    shares: &[f64],
    labels: bool,
) -> Vec<Area<'b>> {
    let n = shares.len() as i32;
    let room = if labels { chart::BOTTOM as i32 } else { 0 };
    let plot = (bottom - top - room - GAP * (n - 1)).max(n);
    let total: f64 = shares.iter().sum();
    let mut y = top;
    let mut out = Vec::with_capacity(shares.len());
    for (i, share) in shares.iter().enumerate() {
        let last = i + 1 == shares.len();
        let h = if last {
            bottom - y
        } else {
            (plot as f64 * share / total) as i32
        };
        out.push(root.clone().shrink((0, y), (WIDTH, h.max(1) as u32)));
        y += h + GAP;
    }
    out
}

/// Where a panel sits in its figure.
#[derive(Clone, Copy)]
pub(crate) struct Place {
    /// The top panel: the warm-up and the markers are labelled above it.
    pub(crate) strip: bool,
    /// Time tick labels under it.
    pub(crate) labels: bool,
    /// The time axis named under it.
    pub(crate) name: bool,
}

/// Draws `fig` into `path`, atomically.
pub(crate) fn draw(path: &Path, fig: TimeFigure, tl: &Timeline) -> io::Result<PathBuf> {
    write_png(path, |root| {
        let mut entries = fig.legend;
        entries.extend(tl.common_entries());
        let start = header(root, &fig.title, &fig.subtitle, &entries)?;
        let bottom = HEIGHT as i32 - 8;
        let n = fig.blocks.len();
        let block_h = (bottom - start) / n.max(1) as i32;
        for (b, block) in fig.blocks.into_iter().enumerate() {
            let (first, last) = (b == 0, b + 1 == n);
            let mut y = start + b as i32 * block_h + if first { 0 } else { BLOCK_GAP };
            if let Some(text) = &block.caption {
                y += caption(root, text, y)?;
            }
            y += draw_legend(root, &block.legend, legend_span(), y)?;
            if first {
                y += STRIP;
            }
            let block_bottom = if last {
                bottom
            } else {
                start + (b as i32 + 1) * block_h
            };
            let shares: Vec<f64> = block.panels.iter().map(|p| p.share).collect();
            let areas = stack(root, y, block_bottom, &shares, block.x_labels);
            let k = block.panels.len();
            for (i, (panel, area)) in block.panels.into_iter().zip(&areas).enumerate() {
                let lowest = i + 1 == k;
                let at = Place {
                    strip: first && i == 0,
                    labels: lowest && block.x_labels,
                    name: lowest && block.x_labels && last,
                };
                draw_panel(root, area, tl, tl.axis, false, panel, at)?;
            }
        }
        Ok(())
    })
}

fn time_label(v: f64) -> String {
    fmt_time(v)
}

/// Draws one panel on `area` over `axis` (a second axis' room on the right
/// when `right`): built, warm-up shaded, grid and labels drawn, markers
/// drawn across it (and labelled above it at the top), then its layers.
pub(crate) fn draw_panel(
    root: &Area,
    area: &Area,
    tl: &Timeline,
    axis: &TimeAxis,
    right: bool,
    panel: Panel,
    at: Place,
) -> Drawn {
    let Panel {
        y,
        y_desc,
        y_fmt,
        shade,
        layers,
        ..
    } = panel;
    let axes = Axes {
        x_labels: at.labels,
        x_fmt: &time_label,
        x_desc: at.name.then_some("time since start"),
        y_fmt,
        y_desc,
    };
    let set = Setup {
        root,
        tl,
        axis,
        right,
        shade,
        strip: at.strip,
    };
    match y {
        YAxis::Linear(t) => set.draw(area, t, &axes, layers),
        YAxis::Log(l) => set.draw(area, l.coord(), &axes, layers),
    }
}

/// How a panel is set up before its layers.
struct Setup<'s, 'b> {
    root: &'s Area<'b>,
    tl: &'s Timeline<'s>,
    axis: &'s TimeAxis,
    right: bool,
    shade: bool,
    strip: bool,
}

impl Setup<'_, '_> {
    fn draw<RY: Ranged<ValueType = f64>>(
        &self,
        area: &Area,
        y: Ticked<RY>,
        axes: &Axes,
        layers: Vec<Layer>,
    ) -> Drawn {
        let root = self.root;
        let mut c = chart::build(area, self.axis.coord(), y, axes.x_labels, self.right)?;
        let f = chart::frame(&c, self.axis.end);
        if self.shade {
            shade_warmup(root, &f, self.tl.warmup)?;
        }
        chart::mesh(root, &mut c, axes)?;
        draw_markers(root, &f, self.tl.markers)?;
        if self.strip {
            draw_strip(root, &f, self.tl.warmup, self.tl.markers)?;
        }
        for layer in layers {
            layer.draw(root, &mut c, &f)?;
        }
        Ok(())
    }
}
