namespace MtlSharp.Data.Download;

/// <summary>
/// The public data sets the project uses, with their official URLs and SHA-256 checksums (the values in
/// <c>shared/datasets/SHA256SUMS</c> and the data sets' SOURCE.md). Folder names match <c>shared/datasets</c>.
/// Omniglot's checksums are those of the official zips in <c>brendenlake/omniglot</c> (as TensorFlow Datasets records
/// them); the shared copy is a pixel-identical rebuild whose bytes differ (its own checksums are in SHA256SUMS), so
/// downloading into it fetches the official files. <see cref="Images.Omniglot"/> reads either.
/// </summary>
public static class KnownDatasets
{
    private const string LeCun = "http://yann.lecun.com/exdb/mnist/";
    private const string OssciMirror = "https://ossci-datasets.s3.amazonaws.com/mnist/";
    private const string FashionS3 = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    private const string FashionGitHub = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/b2617bb6d3ffa2e429640350f613e3291e10b141/data/fashion/";
    private const string Ewt = "https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/r2.16/";
    private const string OmniglotUrl = "https://github.com/brendenlake/omniglot/raw/master/python/";
    private const string Conll2000Url = "https://raw.githubusercontent.com/UKPLab/emnlp2017-bilstm-cnn-crf/b709f580f11c33c0f9951a0afdc3e71a252c93fd/data/conll2000_chunking/";

    /// <summary>
    /// MNIST, the four original IDX gzip files: from yann.lecun.com, falling back to the PyTorch (torchvision)
    /// mirror, which serves the same bytes.
    /// </summary>
    public static DatasetSpec Mnist { get; } = new("MNIST", "mnist",
    [
        Mirrored("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422, LeCun, OssciMirror),
        Mirrored("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881, LeCun, OssciMirror),
        Mirrored("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877, LeCun, OssciMirror),
        Mirrored("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542, LeCun, OssciMirror),
    ]);

    /// <summary>Fashion-MNIST, the four IDX gzip files (Zalando's S3 site, then the GitHub repository).</summary>
    public static DatasetSpec FashionMnist { get; } = new("Fashion-MNIST", "fashion-mnist",
    [
        Mirrored("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880, FashionS3, FashionGitHub),
        Mirrored("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515, FashionS3, FashionGitHub),
        Mirrored("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102, FashionS3, FashionGitHub),
        Mirrored("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148, FashionS3, FashionGitHub),
    ]);

    /// <summary>
    /// UD English-EWT release 2.16 (tag <c>r2.16</c> of UniversalDependencies/UD_English-EWT). The official files are
    /// uncompressed <c>.conllu</c>; the checksums are those of the uncompressed files (SOURCE.md), so the downloaded
    /// folder holds <c>.conllu</c> where <c>shared/datasets</c> holds <c>.conllu.gz</c>.
    /// <see cref="Text.UdEnglishEwt.SplitPath"/> accepts either.
    /// </summary>
    public static DatasetSpec UdEnglishEwt { get; } = new("UD English-EWT 2.16", "ud-english-ewt",
    [
        Mirrored("en_ewt-ud-train.conllu", "3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b", 14203025, Ewt),
        Mirrored("en_ewt-ud-dev.conllu", "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6", 1805545, Ewt),
        Mirrored("en_ewt-ud-test.conllu", "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd", 1804515, Ewt),
        Mirrored("LICENSE.txt", "b3d1b0f4c6ae151f7eb78738f46ebd5ee140f8a7f76501ba26af123140d35ae7", 20014, Ewt),
        Mirrored("README.md", "099677d6938869b4e855e6ec6548fc24ffeb5fce90e1cd985847f7049664f29e", 18569, Ewt),
    ]);

    /// <summary>
    /// CoNLL-2000 chunking train/test (word, POS, chunk), from the UKPLab copy whose bytes the shared folder holds
    /// (the official site distributes gzip files whose checksums are not recorded here).
    /// </summary>
    public static DatasetSpec Conll2000 { get; } = new("CoNLL-2000 chunking", "conll2000",
    [
        Mirrored("train.txt", "91a468bf9858eacaed720a4cd8aa3503c89cc81c4bcf5ac3159110d0b626deea", 2839583, Conll2000Url),
        Mirrored("test.txt", "55f3557ae56e40c754a2c98a8926c963632d9b991f61713257fb22848ad4a246", 638654, Conll2000Url),
    ]);

    /// <summary>
    /// Omniglot's two image archives from GitHub <c>brendenlake/omniglot</c> (<c>python/</c>), with the SHA-256 and
    /// sizes TensorFlow Datasets records for them (<c>url_checksums/omniglot.txt</c>).
    /// </summary>
    public static DatasetSpec Omniglot { get; } = new("Omniglot", "omniglot",
    [
        Mirrored("images_background.zip", "ad41ab679c8b5d90b271ef46be6987cc81211774a695c29dcc5367b2b26ee640", 9464212, OmniglotUrl),
        Mirrored("images_evaluation.zip", "1f61a8f3366785b057fc117d9228e78a16e3d976c8953b2a10fcc74cf0609cee", 6462886, OmniglotUrl),
    ]);

    /// <summary>All data sets listed here.</summary>
    public static IReadOnlyList<DatasetSpec> All { get; } = [Mnist, FashionMnist, UdEnglishEwt, Conll2000, Omniglot];

    private static DatasetFile Mirrored(string name, string sha256, long size, params string[] bases)
    {
        var urls = new Uri[bases.Length];
        for (int i = 0; i < bases.Length; i++)
        {
            urls[i] = new Uri(bases[i] + name);
        }

        return new DatasetFile(name, sha256, size, urls);
    }
}
