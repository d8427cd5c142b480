//! Reader and writer for the IDX format of LeCun's MNIST files, raw or gzipped.
//!
//! An IDX file is a big-endian header followed by the data, row-major:
//!
//! | bytes | content |
//! |---|---|
//! | 0..2 | zero |
//! | 2 | element type; `0x08` = unsigned byte, the only one read here |
//! | 3 | number of dimensions `d` |
//! | 4..4+4d | each dimension as a `u32` |
//! | 4+4d.. | the `∏ dims` elements |
//!
//! so images are magic `0x00000803` with dimensions `n, rows, cols`, and labels are magic
//! `0x00000801` with dimension `n`. The file must hold exactly `4 + 4d + ∏ dims` bytes.
//!
//! A file whose first two bytes are the gzip magic `1f 8b` is decompressed first, whatever
//! its name; raw IDX files start with `00 00`, so the two cannot be confused.
//!
//! Reference: Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits",
//! section "File formats for the MNIST database".

use std::cmp::Ordering;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

use super::DataError;

/// Magic number of an IDX file of unsigned-byte images: 3 dimensions (n, rows, cols).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;

/// Magic number of an IDX file of unsigned-byte labels: 1 dimension (n).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// The two first bytes of every gzip stream (RFC 1952, section 2.3.1).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A stack of gray images as stored in an IDX file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub n: usize,
    /// Rows of each image (pixels).
    pub rows: usize,
    /// Columns of each image (pixels).
    pub cols: usize,
    /// `n * rows * cols` intensities, image after image, each image row-major;
    /// 0 is background and 255 full ink.
    pub pixels: Vec<u8>,
}

impl IdxImages {
    /// Pixels per image, `rows * cols`.
    pub fn dim(&self) -> usize {
        self.rows * self.cols
    }

    /// The pixels of image `i`, row-major.
    ///
    /// # Panics
    /// If `i >= n`.
    pub fn image(&self, i: usize) -> &[u8] {
        assert!(i < self.n, "image {i} of {}", self.n);
        let dim = self.dim();
        &self.pixels[i * dim..(i + 1) * dim]
    }
}

/// How [`write_idx_images`] and [`write_idx_labels`] store the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The IDX bytes as they are.
    Raw,
    /// The IDX bytes in one gzip member.
    Gzip,
}

/// Reads an IDX file of images (magic `0x00000803`), raw or gzipped.
///
/// # Errors
/// [`DataError::Io`] if the file cannot be read, [`DataError::Gzip`] if it looks gzipped
/// but does not decompress, [`DataError::BadMagic`] if it is not an image file,
/// [`DataError::Truncated`] or [`DataError::TrailingBytes`] if its length is not the one
/// its header describes.
pub fn read_idx_images(path: &Path) -> Result<IdxImages, DataError> {
    let bytes = read_maybe_gzipped(path)?;
    let (dims, data) = parse(path, &bytes, IMAGES_MAGIC)?;
    Ok(IdxImages {
        n: dims[0],
        rows: dims[1],
        cols: dims[2],
        pixels: data.to_vec(),
    })
}

/// Reads an IDX file of labels (magic `0x00000801`), raw or gzipped.
///
/// # Errors
/// As [`read_idx_images`].
pub fn read_idx_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = read_maybe_gzipped(path)?;
    let (_, data) = parse(path, &bytes, LABELS_MAGIC)?;
    Ok(data.to_vec())
}

/// Writes `images` as an IDX image file, so that [`read_idx_images`] gives them back.
///
/// # Errors
/// [`DataError::Io`] if the file cannot be written.
///
/// # Panics
/// If `images.pixels.len() != n * rows * cols` or a dimension does not fit in a `u32`.
pub fn write_idx_images(
    path: &Path,
    images: &IdxImages,
    encoding: Encoding,
) -> Result<(), DataError> {
    assert_eq!(images.pixels.len(), images.n * images.dim(), "pixel count");
    let dims = [images.n, images.rows, images.cols];
    write_idx(path, IMAGES_MAGIC, &dims, &images.pixels, encoding)
}

/// Writes `labels` as an IDX label file, so that [`read_idx_labels`] gives them back.
///
/// # Errors
/// [`DataError::Io`] if the file cannot be written.
///
/// # Panics
/// If there are more than `u32::MAX` labels.
pub fn write_idx_labels(path: &Path, labels: &[u8], encoding: Encoding) -> Result<(), DataError> {
    write_idx(path, LABELS_MAGIC, &[labels.len()], labels, encoding)
}

/// The whole content of `path`, decompressed if it starts with the gzip magic.
pub(crate) fn read_maybe_gzipped(path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes);
    }
    // the gzip trailer ends with the uncompressed size mod 2^32 (RFC 1952, ISIZE): a good
    // first capacity, bounded by deflate's largest ratio (about 1032:1) against a bad trailer
    let tail = &bytes[bytes.len().saturating_sub(4)..];
    let size_hint = match <[u8; 4]>::try_from(tail) {
        Ok(isize_bytes) => u32::from_le_bytes(isize_bytes) as usize,
        Err(_) => 0,
    };
    let mut out = Vec::with_capacity(size_hint.min(bytes.len().saturating_mul(1032)));
    MultiGzDecoder::new(bytes.as_slice())
        .read_to_end(&mut out)
        .map_err(|source| DataError::Gzip {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(out)
}

/// Checks the magic number and the exact length; returns the dimensions and the data.
fn parse<'a>(
    path: &Path,
    bytes: &'a [u8],
    expected_magic: u32,
) -> Result<(Vec<usize>, &'a [u8]), DataError> {
    let got_bytes = bytes.len() as u64;
    let bad_magic = |found| DataError::BadMagic {
        path: path.to_path_buf(),
        found,
        expected: expected_magic,
    };

    // the magic number: type byte 0x08 and the number of dimensions; a file cut inside it
    // is truncated if what is there agrees with the magic
    let magic_bytes = expected_magic.to_be_bytes();
    if bytes.len() < 4 {
        if magic_bytes.starts_with(bytes) {
            return Err(truncated(path, 4, got_bytes));
        }
        let mut padded = [0u8; 4];
        padded[..bytes.len()].copy_from_slice(bytes);
        return Err(bad_magic(u32::from_be_bytes(padded)));
    }
    let found = be_u32(bytes, 0);
    if found != expected_magic {
        return Err(bad_magic(found));
    }

    // the dimensions
    let n_dims = usize::from(magic_bytes[3]);
    let header = 4 + 4 * n_dims;
    if bytes.len() < header {
        return Err(truncated(path, header as u64, got_bytes));
    }
    let dims: Vec<usize> = (0..n_dims)
        .map(|k| be_u32(bytes, 4 + 4 * k) as usize)
        .collect();

    // the data: exactly the product of the dimensions (in u128, so no header overflows)
    let data_len = dims.iter().fold(1u128, |acc, &d| acc * d as u128);
    let expected_bytes = u64::try_from(data_len + header as u128).unwrap_or(u64::MAX);
    match got_bytes.cmp(&expected_bytes) {
        Ordering::Less => Err(truncated(path, expected_bytes, got_bytes)),
        Ordering::Greater => Err(DataError::TrailingBytes {
            path: path.to_path_buf(),
            expected_bytes,
            got_bytes,
        }),
        Ordering::Equal => Ok((dims, &bytes[header..])),
    }
}

/// The big-endian `u32` in `bytes[at..at + 4]`.
fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn truncated(path: &Path, expected_bytes: u64, got_bytes: u64) -> DataError {
    DataError::Truncated {
        path: path.to_path_buf(),
        expected_bytes,
        got_bytes,
    }
}

/// Writes header and data, raw or gzipped.
fn write_idx(
    path: &Path,
    magic: u32,
    dims: &[usize],
    data: &[u8],
    encoding: Encoding,
) -> Result<(), DataError> {
    let mut bytes = Vec::with_capacity(4 + 4 * dims.len() + data.len());
    bytes.extend_from_slice(&magic.to_be_bytes());
    for &d in dims {
        let d = u32::try_from(d).expect("IDX dimensions fit in a u32");
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend_from_slice(data);

    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    match encoding {
        Encoding::Raw => fs::write(path, &bytes).map_err(io),
        Encoding::Gzip => {
            let file = fs::File::create(path).map_err(io)?;
            let mut encoder = GzEncoder::new(file, Compression::default());
            encoder.write_all(&bytes).map_err(io)?;
            encoder.finish().map_err(io)?;
            Ok(())
        }
    }
}
