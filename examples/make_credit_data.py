#!/usr/bin/env python3
"""Writes examples/credit_train.csv: synthetic bank-loan data with the schema of
the public `credit_train.csv` (Kaggle "Bank Loan Status"), for gbdt's examples
and tests. Standard library only; the same seed gives the same bytes.

The data are made up. They keep what makes the real file interesting to a
tabular learner: string IDs, categorical text columns, blanks and NA, a few
impossible values (credit scores times ten, the 99999999 loan amount), and a
noisy but learnable target: `Number of Credit Problems > 1` depends on
Bankruptcies, Tax Liens, Credit Score and Months since last delinquent, with
recording noise so that no single column decides it.

Usage: python3 examples/make_credit_data.py [--rows N] [--seed S] [--output PATH]

The committed files are the defaults (examples/credit_train.csv, 10,000 rows)
and a held-out set from another seed, for `gbdt eval`:
    python3 examples/make_credit_data.py --rows 3000 --seed 20240612 --output examples/credit_test.csv
"""

import argparse
import math
import os
import random

COLUMNS = [
    "Loan ID", "Customer ID", "Loan Status", "Current Loan Amount", "Term",
    "Credit Score", "Annual Income", "Years in current job", "Home Ownership",
    "Purpose", "Monthly Debt", "Years of Credit History",
    "Months since last delinquent", "Number of Open Accounts",
    "Number of Credit Problems", "Current Credit Balance",
    "Maximum Open Credit", "Bankruptcies", "Tax Liens",
]

JOBS = ["< 1 year", "1 year"] + [f"{y} years" for y in range(2, 10)] + ["10+ years"]
JOB_WEIGHTS = [8, 7, 9, 8, 6, 7, 6, 5, 5, 4, 31]
HOMES = ["Home Mortgage", "Rent", "Own Home", "HaveMortgage"]
HOME_WEIGHTS = [48, 42, 9, 1]
PURPOSES = [
    "Debt Consolidation", "other", "Home Improvements", "Other", "Business Loan",
    "Buy a Car", "Medical Bills", "Buy House", "Take a Trip", "major_purchase",
    "small_business", "moving", "wedding", "vacation", "Educational Expenses",
    "renewable_energy",
]
PURPOSE_WEIGHTS = [785, 61, 58, 33, 16, 13, 11, 7, 6, 4, 3, 2, 1, 1, 1, 1]


def poisson(rng, lam):
    """Knuth's method; fine for the small rates used here."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def hex_id(rng):
    return "%08x-%04x-%04x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16))


def fmt(value, digits):
    return f"{value:.{digits}f}"


def make_row(rng):
    # A hidden "financial stress" factor drives most columns.
    stress = rng.gauss(0.0, 1.0)
    score = int(max(585, min(751, round(720 - 28 * stress + rng.gauss(0, 12)))))
    income = math.exp(rng.gauss(11.1 - 0.15 * stress, 0.45))
    term = "Long Term" if rng.random() < 0.28 + 0.06 * stress else "Short Term"
    loan = round(min(790000, max(10000, rng.lognormvariate(12.4, 0.6))) / 2) * 2
    years_hist = max(3.6, rng.gauss(18.2, 7.0))
    open_accounts = max(1, poisson(rng, 11.0))
    monthly_debt = max(0.0, income / 12 * min(0.45, max(0.0, rng.gauss(0.17 + 0.03 * stress, 0.07))))
    balance = max(0, int(rng.lognormvariate(12.2 + 0.1 * stress, 0.8)))
    max_open = max(balance, int(balance * rng.uniform(1.05, 3.5))) if rng.random() > 0.01 else 0

    delinquent = rng.random() < 0.45 + 0.08 * stress
    months_delinquent = int(rng.triangular(0, 120, 20)) if delinquent else None

    # Public records: the target counts them, with noise of its own.
    bankruptcies = poisson(rng, math.exp(-2.0 + 0.6 * stress))
    liens = poisson(rng, math.exp(-3.4 + 0.6 * stress))
    rate = math.exp(
        -2.2
        + 0.9 * stress
        - 0.012 * (score - 720)
        + (0.7 if months_delinquent is not None and months_delinquent < 24 else 0.0)
    )
    problems = bankruptcies + liens + poisson(rng, rate)
    # Recording noise: bureaus miss some public records.
    reported_bankruptcies = bankruptcies if rng.random() > 0.08 else max(0, bankruptcies - 1)
    reported_liens = liens if rng.random() > 0.05 else 0

    paid = rng.random() < 1 / (1 + math.exp(-(1.2 - 0.6 * stress - 0.3 * problems)))

    # Missing and impossible values, as in the real file.
    score_text = str(score * 10 if rng.random() < 0.05 else score)
    income_text = fmt(income, 0)
    if rng.random() < 0.19:
        score_text, income_text = "", ""
    loan_text = "99999999" if paid and rng.random() < 0.15 else str(loan)
    job = rng.choices(JOBS, JOB_WEIGHTS)[0] if rng.random() > 0.04 else "n/a"
    bankrupt_text = fmt(reported_bankruptcies, 1) if rng.random() > 0.003 else "NA"
    liens_text = fmt(reported_liens, 1) if rng.random() > 0.001 else "NA"

    return [
        hex_id(rng),
        hex_id(rng),
        "Fully Paid" if paid else "Charged Off",
        loan_text,
        term,
        score_text,
        income_text,
        job,
        rng.choices(HOMES, HOME_WEIGHTS)[0],
        rng.choices(PURPOSES, PURPOSE_WEIGHTS)[0],
        fmt(monthly_debt, 2),
        fmt(years_hist, 1),
        "" if months_delinquent is None else str(months_delinquent),
        str(open_accounts),
        str(problems),
        str(balance),
        str(max_open),
        bankrupt_text,
        liens_text,
    ]


def quote(field):
    if any(c in field for c in ',"\n'):
        return '"' + field.replace('"', '""') + '"'
    return field


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--output", default=os.path.join(here, "credit_train.csv"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with open(args.output, "w", newline="") as out:
        out.write(",".join(COLUMNS) + "\n")
        for _ in range(args.rows):
            out.write(",".join(quote(f) for f in make_row(rng)) + "\n")


if __name__ == "__main__":
    main()
