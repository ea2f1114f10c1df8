//! Records of a byte slice, found by csv-core's state machine: the one
//! tokenizer for quoted fields, line breaks inside quotes and lone `\r`.

use csv_core::ReadRecordResult;

use super::ctx::Ctx;

/// Reads the records of `data` one after the other (a lending iterator:
/// each record borrows the reader until the next call).
pub(crate) struct Records<'a> {
    rdr: csv_core::Reader,
    data: &'a [u8],
    pos: usize,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// The last record ended with a terminator (not with the data).
    terminated: bool,
}

/// One record: its fields and where it starts.
pub(crate) struct Record<'r> {
    /// 0-based line within the data where the record starts.
    pub line: usize,
    /// It ended with a terminator, not with the data.
    pub terminated: bool,
    out: &'r [u8],
    ends: &'r [usize],
}

impl Record<'_> {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.out[start..end])
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl<'a> Records<'a> {
    /// Records of `data`, which must start where a record starts.
    pub(crate) fn new(data: &'a [u8], ctx: &Ctx) -> Self {
        Records {
            rdr: ctx.tokenizer(),
            data,
            pos: 0,
            out: vec![0; 1024],
            ends: vec![0; 64],
            terminated: true,
        }
    }

    /// Bytes consumed so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// True when the last record ended with a line break (or `\r`), false
    /// when the data ended it.
    pub(crate) fn terminated(&self) -> bool {
        self.terminated
    }

    /// The next record, or `None` at the end of the data.
    pub(crate) fn next_record(&mut self) -> Option<Record<'_>> {
        let blank = self.data[self.pos..]
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .filter(|&&b| b == b'\n')
            .count();
        let line = self.rdr.line() as usize - 1 + blank;
        let (mut nout, mut nend) = (0, 0);
        loop {
            // csv-core skips a byte-order mark at the start of its first
            // input. The header already removed the file's, so one here is
            // data (a chunk may start at any record): the first input is one
            // byte, too short to be taken for a mark.
            let input = match self.pos {
                0 => &self.data[..self.data.len().min(1)],
                p => &self.data[p..],
            };
            let at_end = input.is_empty();
            let (res, nin, o, e) =
                self.rdr
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            self.pos += nin;
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.out.resize(self.out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    self.terminated = !at_end;
                    return Some(Record {
                        line,
                        terminated: !at_end,
                        out: &self.out[..nout],
                        ends: &self.ends[..nend],
                    });
                }
                ReadRecordResult::End => return None,
            }
        }
    }
}

/// The number of `\n` bytes.
pub(crate) fn count_newlines(data: &[u8]) -> usize {
    count_line_ends(data).0
}

/// The numbers of `\n` and of `\r` bytes, in one pass.
pub(crate) fn count_line_ends(data: &[u8]) -> (usize, usize) {
    // Byte-wide counters over blocks of at most 255 bytes vectorise well.
    data.chunks(255)
        .map(|block| {
            let (n, r) = block.iter().fold((0u8, 0u8), |(n, r), &b| {
                (
                    n.wrapping_add((b == b'\n') as u8),
                    r.wrapping_add((b == b'\r') as u8),
                )
            });
            (n as usize, r as usize)
        })
        .fold((0, 0), |(n, r), (a, b)| (n + a, r + b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx {
            path: "t.csv".into(),
            delimiter: b',',
            names: Vec::new(),
            first_line: 1,
        }
    }

    fn all(data: &[u8]) -> Vec<(usize, Vec<String>, bool)> {
        let ctx = ctx();
        let mut r = Records::new(data, &ctx);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record() {
            let fields = rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            let line = rec.line;
            out.push((line, fields, r.terminated()));
        }
        out
    }

    #[test]
    fn newline_counts_match_a_plain_count() {
        let data: Vec<u8> = (0..10_000u32)
            .map(|i| if i % 7 == 0 { b'\n' } else { (i % 251) as u8 })
            .collect();
        for len in [0, 1, 254, 255, 256, 9_999, 10_000] {
            let want = data[..len].iter().filter(|&&b| b == b'\n').count();
            assert_eq!(count_newlines(&data[..len]), want, "{len}");
        }
    }

    #[test]
    fn records_follow_csv_quoting_and_count_lines() {
        let got = all(b"a,\"x\ny\"\n\n\"he said \"\"hi\"\"\",3\r\nlone\rend");
        let want = [
            (0, vec!["a", "x\ny"], true),
            (3, vec!["he said \"hi\"", "3"], true),
            (4, vec!["lone"], true),
            (4, vec!["end"], false),
        ];
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!(
                (g.0, g.1.iter().map(String::as_str).collect::<Vec<_>>(), g.2),
                w
            );
        }
        // Long fields and many fields grow the buffers.
        let long = format!("{},{}\n", "z".repeat(5000), vec!["1"; 300].join(","));
        let got = all(long.as_bytes());
        assert_eq!((got[0].1[0].len(), got[0].1.len()), (5000, 301));
        // An open quote at the end makes an unterminated record.
        assert!(!all(b"a,\"open\n")[0].2);
    }
}
