//! The arithmetic of the pair loop over a lane type: one `f64` (a row's
//! last odd pair) or [`F64x2`], two pairs at once. Both do the same IEEE
//! operations in the same order on each pair, so a pair's lambda and
//! hessian have the same bits either way.

/// What the pair loop computes with.
pub(super) trait Lane: Copy {
    fn splat(v: f64) -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    fn abs(self) -> Self;
    /// `a` in the lanes where `self > other` (false for NaN), else `b`.
    fn select_gt(self, other: Self, a: Self, b: Self) -> Self;
}

impl Lane for f64 {
    #[inline(always)]
    fn splat(v: f64) -> f64 {
        v
    }
    #[inline(always)]
    fn add(self, o: f64) -> f64 {
        self + o
    }
    #[inline(always)]
    fn sub(self, o: f64) -> f64 {
        self - o
    }
    #[inline(always)]
    fn mul(self, o: f64) -> f64 {
        self * o
    }
    #[inline(always)]
    fn div(self, o: f64) -> f64 {
        self / o
    }
    #[inline(always)]
    fn abs(self) -> f64 {
        f64::abs(self)
    }
    #[inline(always)]
    fn select_gt(self, other: f64, a: f64, b: f64) -> f64 {
        if self > other {
            a
        } else {
            b
        }
    }
}

pub(super) use simd::F64x2;

/// Two lanes in one SSE2 register (baseline on x86-64, so no runtime
/// detection): the loop's two divisions per pair, its slowest operations,
/// then serve two pairs each.
#[cfg(target_arch = "x86_64")]
mod simd {
    use super::Lane;
    use std::arch::x86_64::*;

    #[derive(Clone, Copy)]
    pub(in super::super) struct F64x2(__m128d);

    impl F64x2 {
        #[inline(always)]
        pub fn load(v: &[f64; 2]) -> F64x2 {
            // SAFETY: `v` is two readable f64s; unaligned loads are allowed.
            F64x2(unsafe { _mm_loadu_pd(v.as_ptr()) })
        }

        #[inline(always)]
        pub fn store(self, v: &mut [f64; 2]) {
            // SAFETY: `v` is two writable f64s; unaligned stores are allowed.
            unsafe { _mm_storeu_pd(v.as_mut_ptr(), self.0) }
        }
    }

    /// An SSE2 operation on registers.
    macro_rules! sse2 {
        ($e:expr) => {
            // SAFETY: SSE2 is part of the x86-64 baseline, so the build
            // always has it; the operation reads and writes registers only.
            F64x2(unsafe { $e })
        };
    }

    impl Lane for F64x2 {
        #[inline(always)]
        fn splat(v: f64) -> F64x2 {
            sse2!(_mm_set1_pd(v))
        }
        #[inline(always)]
        fn add(self, o: F64x2) -> F64x2 {
            sse2!(_mm_add_pd(self.0, o.0))
        }
        #[inline(always)]
        fn sub(self, o: F64x2) -> F64x2 {
            sse2!(_mm_sub_pd(self.0, o.0))
        }
        #[inline(always)]
        fn mul(self, o: F64x2) -> F64x2 {
            sse2!(_mm_mul_pd(self.0, o.0))
        }
        #[inline(always)]
        fn div(self, o: F64x2) -> F64x2 {
            sse2!(_mm_div_pd(self.0, o.0))
        }
        #[inline(always)]
        fn abs(self) -> F64x2 {
            sse2!(_mm_andnot_pd(_mm_set1_pd(-0.0), self.0))
        }
        #[inline(always)]
        fn select_gt(self, other: F64x2, a: F64x2, b: F64x2) -> F64x2 {
            sse2!({
                let mask = _mm_cmpgt_pd(self.0, other.0);
                _mm_or_pd(_mm_and_pd(mask, a.0), _mm_andnot_pd(mask, b.0))
            })
        }
    }
}

/// Elsewhere, two lanes as an array (the compiler may vectorize it).
#[cfg(not(target_arch = "x86_64"))]
mod simd {
    use super::Lane;

    #[derive(Clone, Copy)]
    pub(in super::super) struct F64x2([f64; 2]);

    impl F64x2 {
        #[inline(always)]
        pub fn load(v: &[f64; 2]) -> F64x2 {
            F64x2(*v)
        }

        #[inline(always)]
        pub fn store(self, v: &mut [f64; 2]) {
            *v = self.0;
        }

        #[inline(always)]
        fn map2(self, o: F64x2, f: impl Fn(f64, f64) -> f64) -> F64x2 {
            F64x2([f(self.0[0], o.0[0]), f(self.0[1], o.0[1])])
        }
    }

    impl Lane for F64x2 {
        fn splat(v: f64) -> F64x2 {
            F64x2([v; 2])
        }
        fn add(self, o: F64x2) -> F64x2 {
            self.map2(o, |a, b| a + b)
        }
        fn sub(self, o: F64x2) -> F64x2 {
            self.map2(o, |a, b| a - b)
        }
        fn mul(self, o: F64x2) -> F64x2 {
            self.map2(o, |a, b| a * b)
        }
        fn div(self, o: F64x2) -> F64x2 {
            self.map2(o, |a, b| a / b)
        }
        fn abs(self) -> F64x2 {
            F64x2(self.0.map(f64::abs))
        }
        fn select_gt(self, other: F64x2, a: F64x2, b: F64x2) -> F64x2 {
            let pick = |i: usize| self.0[i].select_gt(other.0[i], a.0[i], b.0[i]);
            F64x2([pick(0), pick(1)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            -1e6f64..1e6,
            Just(0.0),
            Just(-0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::MIN_POSITIVE / 4.0),
        ]
    }

    fn lanes(v: F64x2) -> [u64; 2] {
        let mut out = [0.0; 2];
        v.store(&mut out);
        out.map(f64::to_bits)
    }

    proptest! {
        /// Each operation on two lanes gives, lane by lane, the bits of the
        /// same operation on one `f64`: so the pair loop's results do not
        /// depend on which pairs share a register.
        #[test]
        fn two_lanes_give_the_bits_of_one(
            a in [value(), value()],
            b in [value(), value()],
            c in [value(), value()],
            d in [value(), value()],
        ) {
            let (x, y) = (F64x2::load(&a), F64x2::load(&b));
            let (p, q) = (F64x2::load(&c), F64x2::load(&d));
            let one = |f: &dyn Fn(f64, f64, f64, f64) -> f64| {
                [0, 1].map(|i| f(a[i], b[i], c[i], d[i]).to_bits())
            };
            prop_assert_eq!(lanes(x.add(y)), one(&|a, b, _, _| a.add(b)));
            prop_assert_eq!(lanes(x.sub(y)), one(&|a, b, _, _| a.sub(b)));
            prop_assert_eq!(lanes(x.mul(y)), one(&|a, b, _, _| a.mul(b)));
            prop_assert_eq!(lanes(x.div(y)), one(&|a, b, _, _| a.div(b)));
            prop_assert_eq!(lanes(x.abs()), one(&|a, _, _, _| Lane::abs(a)));
            prop_assert_eq!(
                lanes(x.select_gt(y, p, q)),
                one(&|a, b, c, d| a.select_gt(b, c, d))
            );
            prop_assert_eq!(lanes(F64x2::splat(a[1])), [a[1].to_bits(); 2]);
        }
    }
}
