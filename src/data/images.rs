//! The gray-image classification sets MNIST and Fashion-MNIST, split and standardised.
//!
//! Each set is four IDX files in its own subdirectory of the data directory
//! (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
//! `t10k-labels-idx1-ubyte`, each raw or with `.gz` appended), as `scripts/fetch-data.sh`
//! lays them out.
//!
//! # Splits
//! The last `n_valid` training images form the validation split, the others the training
//! split; the `t10k` files are the test split. The split is fixed, as is the paper's
//! validation split of CIFAR-10 (Blier, Wolinski, Ollivier, *Learning with Random Learning
//! Rates*, section 4).
//!
//! # Standardisation
//! With `x = p / 255` the intensity of pixel byte `p` in `[0, 1]`, and `μ`, `σ` the mean and
//! the (population) standard deviation of `x` over every pixel of every image of the
//! training split only,
//!
//! ```text
//! μ = (1 / N) Σ x,    σ² = (1 / N) Σ (x − μ)²,    x̂ = (x − μ) / σ,
//! ```
//!
//! the same scalar `μ`, `σ` (one gray channel) being applied to all three splits, so that the
//! validation and test splits carry no information into the training data.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::error::FETCH_HINT;
use super::idx::{read_idx_images, read_idx_labels, IdxImages};
use super::DataError;

/// One of the IDX image classification sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageDataSet {
    /// LeCun, Cortes and Burges' handwritten digits: 60,000 + 10,000 images of 28x28, 10
    /// classes.
    Mnist,
    /// Xiao, Rasul and Vollgraf's Zalando clothes: 60,000 + 10,000 images of 28x28, 10
    /// classes.
    FashionMnist,
}

impl ImageDataSet {
    /// Every set, in a fixed order.
    pub const ALL: [ImageDataSet; 2] = [ImageDataSet::Mnist, ImageDataSet::FashionMnist];

    /// The name used on the command line and in [`fmt::Display`]: `mnist`, `fashion-mnist`.
    pub fn name(self) -> &'static str {
        match self {
            ImageDataSet::Mnist => "mnist",
            ImageDataSet::FashionMnist => "fashion-mnist",
        }
    }

    /// The subdirectory of the data directory that holds the set's files.
    pub fn subdir(self) -> &'static str {
        self.name()
    }

    /// Number of classes; labels run from 0 to `n_classes() - 1`.
    pub fn n_classes(self) -> usize {
        10
    }
}

impl fmt::Display for ImageDataSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`ImageDataSet`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown image data set '{0}' (known: mnist, fashion-mnist)")]
pub struct UnknownImageDataSet(pub String);

impl FromStr for ImageDataSet {
    type Err = UnknownImageDataSet;

    /// Parses the names that [`ImageDataSet::name`] gives.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageDataSet::ALL
            .into_iter()
            .find(|set| set.name() == s)
            .ok_or_else(|| UnknownImageDataSet(s.to_string()))
    }
}

/// One split of an image set, standardised.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSplit {
    /// `n * dim` standardised intensities (dimensionless), image after image, each row-major.
    pub images: Vec<f32>,
    /// `n` class indices, each below `n_classes`.
    pub labels: Vec<u32>,
    /// Number of images.
    pub n: usize,
    /// Pixels per image, `rows * cols`.
    pub dim: usize,
    /// Number of classes of the set.
    pub n_classes: usize,
}

impl ImageSplit {
    /// The standardised pixels of image `i`, row-major.
    ///
    /// # Panics
    /// If `i >= n`.
    pub fn image(&self, i: usize) -> &[f32] {
        assert!(i < self.n, "image {i} of {}", self.n);
        &self.images[i * self.dim..(i + 1) * self.dim]
    }
}

/// The training, validation and test splits of an image set.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSplits {
    /// The training images but the last `n_valid`.
    pub train: ImageSplit,
    /// The last `n_valid` training images.
    pub valid: ImageSplit,
    /// The `t10k` images.
    pub test: ImageSplit,
}

/// Mean and standard deviation of pixel intensities scaled to `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelMoments {
    /// `μ = (1/N) Σ p / 255`.
    pub mean: f64,
    /// `σ = sqrt((1/N) Σ (p / 255 − μ)²)`, the population standard deviation.
    pub std: f64,
}

/// The mean and standard deviation of `pixels / 255`.
///
/// They are computed from the 256-bin histogram of the bytes, in two passes over the bins,
/// so that the result does not depend on the order of the pixels and the variance does not
/// suffer the cancellation of `E[x²] − E[x]²`. An empty slice gives NaN for both.
pub fn pixel_moments(pixels: &[u8]) -> PixelMoments {
    let mut histogram = [0u64; 256];
    for &p in pixels {
        histogram[usize::from(p)] += 1;
    }
    let n = pixels.len() as f64;
    let intensity = |byte: usize| byte as f64 / 255.0;

    let mean = (0..256)
        .map(|b| histogram[b] as f64 * intensity(b))
        .sum::<f64>()
        / n;
    let variance = (0..256)
        .map(|b| histogram[b] as f64 * (intensity(b) - mean).powi(2))
        .sum::<f64>()
        / n;
    PixelMoments {
        mean,
        std: variance.sqrt(),
    }
}

/// Loads `set` from `data_dir/<set.subdir()>`, splits off the last `n_valid` training
/// images for validation and standardises all splits by the training split's pixel mean
/// and standard deviation (see the [module documentation](self)).
///
/// # Errors
/// [`DataError::Missing`] if a file exists neither raw nor gzipped; the errors of
/// [`read_idx_images`] and [`read_idx_labels`]; [`DataError::CountMismatch`] if an image
/// file and its label file disagree on the count; [`DataError::ShapeMismatch`] if training
/// and test images differ in size; [`DataError::LabelOutOfRange`] for a label not below
/// [`ImageDataSet::n_classes`]; [`DataError::ValidationTooLarge`] if `n_valid` would leave
/// no training image; [`DataError::ConstantPixels`] if the training pixels do not vary.
///
/// # Example
/// ```no_run
/// use alrao::data::{data_dir, load_image_splits, ImageDataSet};
///
/// let splits = load_image_splits(&data_dir(), ImageDataSet::FashionMnist, 5_000)?;
/// assert_eq!(splits.train.n + splits.valid.n, 60_000);
/// assert_eq!(splits.test.dim, 28 * 28);
/// # Ok::<(), alrao::data::DataError>(())
/// ```
pub fn load_image_splits(
    data_dir: &Path,
    set: ImageDataSet,
    n_valid: usize,
) -> Result<ImageSplits, DataError> {
    let dir = data_dir.join(set.subdir());
    let n_classes = set.n_classes();
    let train = LabelledImages::read(&dir, "train", n_classes)?;
    let test = LabelledImages::read(&dir, "t10k", n_classes)?;

    // the sizes of the two files must agree
    let shape = |images: &IdxImages| (images.rows, images.cols);
    if shape(&train.images) != shape(&test.images) {
        return Err(DataError::ShapeMismatch {
            train_path: train.images_path,
            train_shape: shape(&train.images),
            test_path: test.images_path,
            test_shape: shape(&test.images),
        });
    }

    // the fixed split: the last n_valid training images are for validation
    let n_total = train.images.n;
    if n_valid >= n_total {
        return Err(DataError::ValidationTooLarge {
            path: train.images_path,
            n_valid,
            n_train: n_total,
        });
    }
    let n_train = n_total - n_valid;
    let dim = train.images.dim();
    let (train_pixels, valid_pixels) = train.images.pixels.split_at(n_train * dim);
    let (train_labels, valid_labels) = train.labels.split_at(n_train);

    // one scalar mean and standard deviation, from the training split only
    let moments = pixel_moments(train_pixels);
    if moments.std == 0.0 || moments.std.is_nan() {
        // exact comparison on purpose: only a zero spread (or no pixel at all, which gives
        // NaN) makes the division impossible
        return Err(DataError::ConstantPixels {
            path: train.images_path,
        });
    }
    let standardised: Vec<f32> = (0..256)
        .map(|b| ((b as f64 / 255.0 - moments.mean) / moments.std) as f32)
        .collect();
    let split = |pixels: &[u8], labels: &[u8]| ImageSplit {
        images: pixels
            .iter()
            .map(|&p| standardised[usize::from(p)])
            .collect(),
        labels: labels.iter().map(|&l| u32::from(l)).collect(),
        n: labels.len(),
        dim,
        n_classes,
    };

    Ok(ImageSplits {
        train: split(train_pixels, train_labels),
        valid: split(valid_pixels, valid_labels),
        test: split(&test.images.pixels, &test.labels),
    })
}

/// An image file and its label file, read and checked against each other.
struct LabelledImages {
    images_path: PathBuf,
    images: IdxImages,
    labels: Vec<u8>,
}

impl LabelledImages {
    /// Reads `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]`.
    fn read(dir: &Path, prefix: &str, n_classes: usize) -> Result<Self, DataError> {
        let images_path = find(&dir.join(format!("{prefix}-images-idx3-ubyte")))?;
        let labels_path = find(&dir.join(format!("{prefix}-labels-idx1-ubyte")))?;
        let images = read_idx_images(&images_path)?;
        let labels = read_idx_labels(&labels_path)?;

        if images.n != labels.len() {
            return Err(DataError::CountMismatch {
                images_path,
                labels_path,
                images: images.n,
                labels: labels.len(),
            });
        }
        if let Some(index) = labels.iter().position(|&l| usize::from(l) >= n_classes) {
            return Err(DataError::LabelOutOfRange {
                path: labels_path,
                index,
                label: u32::from(labels[index]),
                n_classes,
            });
        }
        Ok(LabelledImages {
            images_path,
            images,
            labels,
        })
    }
}

/// `raw` if it exists, else `raw.gz` if that exists.
pub(crate) fn find(raw: &Path) -> Result<PathBuf, DataError> {
    if raw.is_file() {
        return Ok(raw.to_path_buf());
    }
    let mut gz = raw.as_os_str().to_owned();
    gz.push(".gz");
    let gz = PathBuf::from(gz);
    if gz.is_file() {
        return Ok(gz);
    }
    Err(DataError::Missing {
        path: raw.to_path_buf(),
        hint: FETCH_HINT,
    })
}
