namespace MtlSharp.Data.Images;

/// <summary>
/// One Omniglot alphabet: every drawing of every character, character-major and by drawer (drawer 1 first), as
/// single-channel images of <see cref="Size"/>×<see cref="Size"/> pixels in [0, 1] with the background 0 and the ink
/// 1. The label of a drawing is its character's index (<c>characterNN</c> − 1).
/// </summary>
public sealed class OmniglotAlphabet
{
    /// <summary>Wraps the drawings (not copied).</summary>
    public OmniglotAlphabet(string name, int id, int characters, int size, float[] pixels)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(pixels);
        if (characters < 1 || size < 1 || pixels.Length != (long)characters * Omniglot.DrawingsPerCharacter * size * size)
        {
            throw new ArgumentException($"OmniglotAlphabet {name}: {pixels.Length} pixels do not fit {characters} characters × {Omniglot.DrawingsPerCharacter} drawings × {size}×{size}.");
        }

        Name = name;
        Id = id;
        Characters = characters;
        Size = size;
        Pixels = pixels;
    }

    /// <summary>The alphabet's folder name (e.g. <c>Gujarati</c>).</summary>
    public string Name { get; }

    /// <summary>
    /// The alphabet's id: its index among all 50 alphabet names sorted ordinally (TensorFlow Datasets' label of the
    /// alphabet, which the Gumbel-Matrix code uses as the split seed).
    /// </summary>
    public int Id { get; }

    /// <summary>Number of characters (classes).</summary>
    public int Characters { get; }

    /// <summary>Image side in pixels.</summary>
    public int Size { get; }

    /// <summary>Pixels [Characters·20, Size·Size]: character c's drawing d (0-based) is row c·20 + d.</summary>
    public float[] Pixels { get; }

    /// <summary>
    /// The per-character split (spec A10(e)): for every character in order, its 20 drawings are shuffled by one
    /// stream seeded with <see cref="Id"/> (the authors' <c>np.random.seed(alphabet_id)</c>, then one shuffle per
    /// character), and the first <paramref name="train"/> go to training, the next <paramref name="valid"/> to
    /// validation and the rest to test (default 10/4/6, i.e. 50/20/30 %).
    /// </summary>
    /// <remarks>
    /// The procedure is the authors'; the drawings it picks are not theirs, since theirs depend on the record order of
    /// TensorFlow Datasets and NumPy's Mersenne Twister. Within a split images are character-major.
    /// </remarks>
    public OmniglotSplit Split(int train = 10, int valid = 4)
    {
        int per = Omniglot.DrawingsPerCharacter;
        if (train < 1 || valid < 0 || train + valid >= per)
        {
            throw new ArgumentException($"Omniglot split: need at least one training and one test drawing of {per}; got {train} train, {valid} valid.");
        }

        int test = per - train - valid;
        var rng = new Tensors.Rng((ulong)Id);
        int px = Size * Size;
        var tr = new float[Characters * train * px];
        var va = new float[Characters * valid * px];
        var te = new float[Characters * test * px];
        int[] trL = new int[Characters * train], vaL = new int[Characters * valid], teL = new int[Characters * test];
        Span<int> order = stackalloc int[per];
        for (int c = 0; c < Characters; c++)
        {
            for (int d = 0; d < per; d++)
            {
                order[d] = d;
            }

            rng.Shuffle(order);
            for (int i = 0; i < per; i++)
            {
                var src = Pixels.AsSpan(((c * per) + order[i]) * px, px);
                if (i < train)
                {
                    src.CopyTo(tr.AsSpan(((c * train) + i) * px));
                    trL[(c * train) + i] = c;
                }
                else if (i < train + valid)
                {
                    int j = i - train;
                    src.CopyTo(va.AsSpan(((c * valid) + j) * px));
                    vaL[(c * valid) + j] = c;
                }
                else
                {
                    int j = i - train - valid;
                    src.CopyTo(te.AsSpan(((c * test) + j) * px));
                    teL[(c * test) + j] = c;
                }
            }
        }

        return new OmniglotSplit(
            new LabeledImages(tr, trL, Size, Size),
            valid > 0 ? new LabeledImages(va, vaL, Size, Size) : null,
            new LabeledImages(te, teL, Size, Size));
    }
}
