"""GR4J (Perrin et al., 2003, J. Hydrol. 279) written in plain NumPy and Python, one loop
iteration per day.

Not used by the workflow: it is the reference that ``benchmarks/bench_conceptual.py`` times the
compiled ``hydrogr`` model against, and that the tests check ``hydrogr`` with (same equations,
same unit-hydrograph lengths of 20 and 40 days, same start states, so the two agree to
rounding). Equations as published: production store ``S`` (capacity X1), percolation, 90/10
split of effective rainfall over the unit hydrographs UH1/UH2 (time base X4, 2·X4), groundwater
exchange ``X2 (R/X3)^3.5`` and routing store ``R`` (capacity X3).
"""

from __future__ import annotations

import math

import numpy as np

UH1_LENGTH = 20
UH2_LENGTH = 40


def _s_curve_1(t: float, x4: float) -> float:
    if t <= 0:
        return 0.0
    return (t / x4) ** 2.5 if t < x4 else 1.0


def _s_curve_2(t: float, x4: float) -> float:
    if t <= 0:
        return 0.0
    if t < x4:
        return 0.5 * (t / x4) ** 2.5
    if t < 2 * x4:
        return 1.0 - 0.5 * (2.0 - t / x4) ** 2.5
    return 1.0


def unit_hydrographs(x4: float) -> tuple[np.ndarray, np.ndarray]:
    """Ordinates of UH1 and UH2 for time constant ``x4`` (days)."""
    uh1 = np.array([_s_curve_1(i, x4) - _s_curve_1(i - 1, x4) for i in range(1, UH1_LENGTH + 1)])
    uh2 = np.array([_s_curve_2(i, x4) - _s_curve_2(i - 1, x4) for i in range(1, UH2_LENGTH + 1)])
    return uh1, uh2


def run_gr4j(
    parameters: tuple[float, float, float, float],
    precipitation_mm_per_day: np.ndarray,
    pet_mm_per_day: np.ndarray,
    production_store_mm: float,
    routing_store_mm: float,
) -> np.ndarray:
    """Simulated streamflow (mm/day) of GR4J from empty unit hydrographs."""
    x1, x2, x3, x4 = (float(value) for value in parameters)
    uh1_ordinates, uh2_ordinates = unit_hydrographs(x4)
    uh1_state = np.zeros(UH1_LENGTH)
    uh2_state = np.zeros(UH2_LENGTH)
    s, r = float(production_store_mm), float(routing_store_mm)
    flow = np.empty(len(precipitation_mm_per_day))
    for day, (p, e) in enumerate(zip(precipitation_mm_per_day, pet_mm_per_day, strict=True)):
        if p >= e:
            net_rain = p - e
            scaled = math.tanh(min(net_rain / x1, 13.0))
            to_store = x1 * (1 - (s / x1) ** 2) * scaled / (1 + s / x1 * scaled)
            s += to_store
            effective = net_rain - to_store
        else:
            net_evaporation = e - p
            scaled = math.tanh(min(net_evaporation / x1, 13.0))
            s -= s * (2 - s / x1) * scaled / (1 + (1 - s / x1) * scaled)
            effective = 0.0
        percolation = s * (1 - (1 + (4.0 / 9.0 * s / x1) ** 4) ** -0.25)
        s -= percolation
        effective += percolation
        uh1_state = np.roll(uh1_state, -1)
        uh1_state[-1] = 0.0
        uh1_state += 0.9 * effective * uh1_ordinates
        uh2_state = np.roll(uh2_state, -1)
        uh2_state[-1] = 0.0
        uh2_state += 0.1 * effective * uh2_ordinates
        exchange = x2 * (r / x3) ** 3.5
        r = max(0.0, r + uh1_state[0] + exchange)
        routed = r * (1 - (1 + (r / x3) ** 4) ** -0.25)
        r -= routed
        direct = max(0.0, uh2_state[0] + exchange)
        flow[day] = routed + direct
    return flow
