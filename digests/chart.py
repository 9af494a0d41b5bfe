"""The /stats chart: subscribed chats and messages sent per day, drawn as a PNG with matplotlib.

Uses matplotlib's object API with the Agg canvas directly (no pyplot): no display is needed,
no global figure state is shared, so drawing in a worker thread is safe.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from digests.stats import DailySeries

_SUBSCRIBERS = "#1f77b4"
_MESSAGES = "#ff7f0e"


def draw_daily_chart(series: DailySeries, *, dpi: int = 100) -> bytes:
    """A 9x4.5 inch PNG: subscribed chats as a line (left axis), messages sent as bars (right)."""
    figure = Figure(figsize=(9, 4.5), dpi=dpi)
    figure.subplots_adjust(left=0.08, right=0.92, top=0.9, bottom=0.16)
    FigureCanvasAgg(figure)
    left = figure.add_subplot()
    right = left.twinx()
    days = list(series.days)
    x = list(range(len(days)))  # day numbers: labels are set below
    right.bar(x, series.messages, color=_MESSAGES, alpha=0.45, label="messages sent")
    left.plot(x, series.subscribers, color=_SUBSCRIBERS, marker="o", ms=3, label="subscribed")
    left.set_zorder(right.get_zorder() + 1)  # the line over the bars
    left.patch.set_visible(False)
    left.set_ylabel("chats following a topic", color=_SUBSCRIBERS)
    right.set_ylabel("messages sent", color=_MESSAGES)
    left.set_ylim(bottom=0, top=max([*series.subscribers, 1]) * 1.15)
    right.set_ylim(bottom=0, top=max([*series.messages, 1]) * 1.15)
    if days:
        left.set_title(f"Last {len(days)} days (UTC), {days[0]:%d %b} – {days[-1]:%d %b %Y}")
    ticks = x[::-3][::-1]  # every third day, ending on today
    left.set_xticks(ticks, [f"{days[i]:%d %b}" for i in ticks])
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    left.tick_params(axis="x", labelrotation=45)
    left.grid(axis="y", alpha=0.3)
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    left.legend(handles=handles, loc="upper left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
