//! Panels: a plotters chart over the time axis (or any x) with the shared
//! look, and the series drawn on them.

use std::ops::Range;

use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{
    AsRangedCoord, KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter,
};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::style::*;

/// A coordinate with the ticks we choose (labelled) and light grid lines.
/// (plotters' `WithKeyPoints` over `f64` cannot draw a mesh: it has no value
/// formatter.)
#[derive(Clone)]
pub(crate) struct Ticked<R: Ranged<ValueType = f64>> {
    inner: R,
    pub(crate) bold: Vec<f64>,
    light: Vec<f64>,
}

impl<R: Ranged<ValueType = f64>> Ticked<R> {
    /// The top of the range.
    pub(crate) fn range_end(&self) -> f64 {
        self.inner.range().end
    }
}

impl Ticked<RangedCoordf64> {
    /// A linear `range` with ticks at `bold`.
    pub(crate) fn linear(range: Range<f64>, bold: Vec<f64>) -> Self {
        Ticked {
            inner: range.into(),
            bold,
            light: Vec::new(),
        }
    }
}

impl Ticked<LogCoord<f64>> {
    /// A log scale over `range` with ticks at `bold`, grid lines at `light`.
    pub(crate) fn log(range: Range<f64>, bold: Vec<f64>, light: Vec<f64>) -> Self {
        Ticked {
            inner: range.log_scale().into(),
            bold,
            light,
        }
    }
}

impl<R: Ranged<ValueType = f64>> Ranged for Ticked<R> {
    type ValueType = f64;
    type FormatOption = NoDefaultFormatting;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }

    fn axis_pixel_range(&self, limit: (i32, i32)) -> Range<i32> {
        self.inner.axis_pixel_range(limit)
    }
}

impl<R: Ranged<ValueType = f64>> ValueFormatter<f64> for Ticked<R> {
    fn format(value: &f64) -> String {
        fmt_num(*value)
    }
}

/// Width of the label area left of a panel (tick labels and the axis name).
pub(crate) const LEFT: u32 = 96;
/// Width of the label area right of a panel with a second axis.
pub(crate) const RIGHT: u32 = 96;
/// Right margin of a panel without a second axis.
pub(crate) const RIGHT_MARGIN: u32 = 40;
/// Height of the tick labels and axis name below a panel.
pub(crate) const BOTTOM: u32 = 58;

/// A chart drawn into an image.
pub(crate) type Chart<'a, 'b, X, Y> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<X, Y>>;

/// Builds a chart on `area` over `x` and `y` with the shared margins: room
/// for labels on the left, on the right if `right`, and below if `x_labels`.
pub(crate) fn build<'a, 'b, X, Y>(
    area: &'a Area<'b>,
    x: X,
    y: Y,
    x_labels: bool,
    right: bool,
) -> Drawn<Chart<'a, 'b, X::CoordDescType, Y::CoordDescType>>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
{
    let mut b = ChartBuilder::on(area);
    b.margin_left(8)
        .margin_right(if right { 8 } else { RIGHT_MARGIN })
        .x_label_area_size(if x_labels { BOTTOM } else { 0 })
        .y_label_area_size(LEFT)
        .right_y_label_area_size(if right { RIGHT } else { 0 });
    Ok(b.build_cartesian_2d(x, y)?)
}

/// The pixel geometry of a chart whose x is `0..end`.
pub(crate) fn frame<X, Y>(chart: &ChartContext<BitMapBackend, Cartesian2d<X, Y>>, end: f64) -> Frame
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let (x, y) = chart.plotting_area().get_pixel_range();
    Frame { x, y, end }
}

/// How a panel's axes are labelled.
pub(crate) struct Axes<'s> {
    /// Tick labels under the panel (time axes of stacked panels share them).
    pub(crate) x_labels: bool,
    pub(crate) x_fmt: &'s dyn Fn(f64) -> String,
    /// The x axis' name, under the tick labels.
    pub(crate) x_desc: Option<&'s str>,
    pub(crate) y_fmt: &'s dyn Fn(f64) -> String,
    /// The y axis' name, with its unit.
    pub(crate) y_desc: &'s str,
}

/// Which side of a panel a y axis is on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Left,
    Right,
}

/// Draws tick labels and the name of a y axis: `ticks` are (value, pixel
/// row); labels that would overlap the previous one are left out.
pub(crate) fn y_labels(
    root: &Area,
    f: &Frame,
    side: Side,
    ticks: &[(f64, i32)],
    fmt: &dyn Fn(f64) -> String,
    desc: &str,
) -> Drawn {
    let mut last: Option<i32> = None;
    let mut widest = 0;
    for &(v, py) in ticks {
        if last.is_some_and(|l| (l - py).abs() < TICK_SIZE as i32 + 2) {
            continue;
        }
        let text = fmt(v);
        widest = widest.max(width(&text, TICK_SIZE));
        match side {
            Side::Left => label(
                root,
                &text,
                TICK_SIZE,
                TEXT,
                (f.x.start - 9, py),
                HPos::Right,
                VPos::Center,
            )?,
            Side::Right => label(
                root,
                &text,
                TICK_SIZE,
                TEXT,
                (f.x.end + 8, py),
                HPos::Left,
                VPos::Center,
            )?,
        }
        last = Some(py);
    }
    let mid = (f.y.start + f.y.end) / 2;
    // Too long for a short panel: without its parenthesis, or shortened.
    let room = f.y.end - f.y.start + 20;
    let short;
    let desc = if width(desc, DESC_SIZE) <= room {
        desc
    } else {
        short = fit(desc.split(" (").next().unwrap_or(desc), DESC_SIZE, room);
        &short
    };
    // The name reads upwards, just outside the tick labels.
    let x = match side {
        Side::Left => f.x.start - 9 - widest - 10 - DESC_SIZE as i32,
        Side::Right => f.x.end + 8 + widest + 10,
    };
    super::text::draw(
        root,
        desc,
        DESC_SIZE,
        TEXT,
        (x, mid),
        (HPos::Center, VPos::Top),
        true,
    )
}

/// Draws the grid and axes of a chart (plotters) and their labels (ours).
pub(crate) fn mesh<RX, RY>(
    root: &Area,
    chart: &mut ChartContext<BitMapBackend, Cartesian2d<Ticked<RX>, Ticked<RY>>>,
    a: &Axes,
) -> Drawn
where
    RX: Ranged<ValueType = f64>,
    RY: Ranged<ValueType = f64>,
{
    chart
        .configure_mesh()
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(GRID_LIGHT.stroke_width(1))
        .axis_style(AXIS.stroke_width(1))
        .set_all_tick_mark_size(0)
        .label_style(invisible())
        .draw()?;
    let area = chart.plotting_area();
    let (xr, yr) = area.get_pixel_range();
    let f = Frame {
        x: xr,
        y: yr,
        end: 1.0,
    };
    let spec = chart.as_coord_spec();
    let (x0, y0) = (spec.x_spec().range().start, spec.y_spec().range().start);
    if a.x_labels {
        let mut right_edge = i32::MIN;
        for &t in &spec.x_spec().bold {
            let px = area.map_coordinate(&(t, y0)).0;
            let text = (a.x_fmt)(t);
            let w = width(&text, TICK_SIZE);
            // Inside the image, and clear of the previous label.
            let left = (px - w / 2).clamp(0, WIDTH as i32 - w);
            if left < right_edge + 12 {
                continue;
            }
            label(
                root,
                &text,
                TICK_SIZE,
                TEXT,
                (left, f.y.end + 8),
                HPos::Left,
                VPos::Top,
            )?;
            right_edge = left + w;
        }
        if let Some(d) = a.x_desc {
            label(
                root,
                d,
                DESC_SIZE,
                TEXT,
                ((f.x.start + f.x.end) / 2, f.y.end + 32),
                HPos::Center,
                VPos::Top,
            )?;
        }
    }
    let ticks: Vec<(f64, i32)> = spec
        .y_spec()
        .bold
        .iter()
        .map(|&v| (v, area.map_coordinate(&(x0, v)).1))
        .rev()
        .collect();
    y_labels(root, &f, Side::Left, &ticks, a.y_fmt, a.y_desc)
}

/// Draws `points` as a line in `chart`, broken at gaps (NaN); isolated points
/// are dots. `fix` maps each y into the chart (clamping for log axes).
pub(crate) fn line<X, Y>(
    chart: &mut ChartContext<BitMapBackend, Cartesian2d<X, Y>>,
    points: impl Iterator<Item = (f64, f64)>,
    fix: impl Fn(f64) -> f64,
    color: RGBColor,
    width: u32,
) -> Drawn
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for run in runs(points) {
        if run.len() == 1 {
            let (x, y) = run[0];
            chart.draw_series(std::iter::once(Circle::new(
                (x, fix(y)),
                width + 1,
                color.filled(),
            )))?;
        } else if width < 3 {
            chart.draw_series(LineSeries::new(
                run.into_iter().map(|(x, y)| (x, fix(y))),
                color.stroke_width(width),
            ))?;
        } else {
            // A thick polyline is drawn with mitred joins, which shoot far
            // out of the chart at sharp turns (a one-window dip): draw it as
            // separate segments, the joints filled by dots.
            let pts: Vec<(f64, f64)> = run.into_iter().map(|(x, y)| (x, fix(y))).collect();
            chart.draw_series(
                pts.windows(2)
                    .map(|w| PathElement::new(vec![w[0], w[1]], color.stroke_width(width))),
            )?;
            chart.draw_series(
                pts.iter()
                    .map(|&p| Circle::new(p, width / 2, color.filled())),
            )?;
        }
    }
    Ok(())
}

/// Fills from 0 up to `points` (no gaps expected) in `color`, opaque. Only
/// where the values are above 0 (with a neighbour each side, so the edges
/// slope down): a filled polygon of zero height would still colour the axis.
pub(crate) fn area<X, Y>(
    chart: &mut ChartContext<BitMapBackend, Cartesian2d<X, Y>>,
    points: &[(f64, f64)],
    color: RGBColor,
) -> Drawn
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let n = points.len();
    let mut i = 0;
    while i < n {
        if points[i].1 <= 0.0 {
            i += 1;
            continue;
        }
        let start = i.saturating_sub(1);
        while i < n && points[i].1 > 0.0 {
            i += 1;
        }
        let end = (i + 1).min(n);
        chart.draw_series(AreaSeries::new(
            points[start..end].iter().copied(),
            0.0,
            color.filled(),
        ))?;
    }
    Ok(())
}

/// Draws `points` as a dashed line (`dash`: pixels on, pixels off; `width`
/// across), broken at gaps.
pub(crate) fn dashed<X, Y>(
    chart: &mut ChartContext<BitMapBackend, Cartesian2d<X, Y>>,
    points: impl Iterator<Item = (f64, f64)>,
    fix: impl Fn(f64) -> f64,
    color: RGBColor,
    dash: (i32, i32),
    width: u32,
) -> Drawn
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for run in runs(points) {
        chart.draw_series(DashedLineSeries::new(
            run.into_iter().map(|(x, y)| (x, fix(y))),
            dash.0,
            dash.1,
            color.stroke_width(width),
        ))?;
    }
    Ok(())
}

/// Fills between `lo` and `hi` (the same x) in `color`, up to `top`, broken
/// where either is a gap; a lone point is a short upright stroke.
pub(crate) fn band<X, Y>(
    chart: &mut ChartContext<BitMapBackend, Cartesian2d<X, Y>>,
    lo: &[(f64, f64)],
    hi: &[(f64, f64)],
    top: f64,
    color: RGBColor,
) -> Drawn
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    // Runs of (x, low, high) between gaps.
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let mut flush = |run: &mut Vec<(f64, f64, f64)>| -> Drawn {
        if run.len() >= 2 {
            let mut poly: Vec<(f64, f64)> = run.iter().map(|p| (p.0, p.1)).collect();
            poly.extend(run.iter().rev().map(|p| (p.0, p.2)));
            chart.draw_series(std::iter::once(Polygon::new(poly, color.filled())))?;
        } else if let Some(&(x, l, h)) = run.first() {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, l), (x, h)],
                color.stroke_width(3),
            )))?;
        }
        run.clear();
        Ok(())
    };
    for (&(x, l), &(_, h)) in lo.iter().zip(hi) {
        if l.is_finite() && h.is_finite() {
            run.push((x, l.min(top), h.min(top)));
        } else {
            flush(&mut run)?;
        }
    }
    flush(&mut run)
}

/// A linear y axis from 0 to a little above `max` (`0..1` for nothing),
/// about six ticks at round steps.
pub(crate) fn y_linear(max: Option<f64>) -> Ticked<RangedCoordf64> {
    let top = match max {
        Some(m) if m > 0.0 && m.is_finite() => m * 1.08,
        _ => 1.0,
    };
    let step = nice_ceil(top / 6.0);
    let n = (top / step + 1e-9).floor() as usize;
    Ticked::linear(0.0..top, (0..=n).map(|i| i as f64 * step).collect())
}
