namespace MtlSharp.Data.Images;

/// <summary>
/// Shrinks square single-channel images from one side to a smaller one by area averaging: each output pixel is the
/// mean of the source area it covers, fractional source pixels weighted by their covered share (a box filter, so
/// thin strokes are kept as grey rather than dropped).
/// </summary>
internal sealed class AreaResize
{
    private readonly int _from;
    private readonly int _to;
    private readonly (int Source, float Weight)[][] _taps;

    public AreaResize(int from, int to)
    {
        if (to < 1 || to > from)
        {
            throw new ArgumentException($"AreaResize: the target side must lie in 1…{from}, got {to}.");
        }

        _from = from;
        _to = to;
        _taps = new (int, float)[to][];
        double scale = (double)from / to;
        for (int i = 0; i < to; i++)
        {
            double a = i * scale, b = (i + 1) * scale;
            var taps = new List<(int, float)>();
            for (int j = (int)Math.Floor(a); j < Math.Min(from, (int)Math.Ceiling(b)); j++)
            {
                double overlap = Math.Min(j + 1, b) - Math.Max(j, a);
                if (overlap > 1e-12)
                {
                    taps.Add((j, (float)(overlap / scale)));
                }
            }

            _taps[i] = [.. taps];
        }
    }

    /// <summary>The <c>to</c>×<c>to</c> image of a <c>from</c>×<c>from</c> one (the input itself when the sides agree).</summary>
    public float[] Apply(float[] image)
    {
        if (_to == _from)
        {
            return image;
        }

        // Rows first: [from, from] → [from, to]; then columns: → [to, to].
        var rows = new float[_from * _to];
        for (int y = 0; y < _from; y++)
        {
            for (int x = 0; x < _to; x++)
            {
                float s = 0;
                foreach (var (j, w) in _taps[x])
                {
                    s += w * image[(y * _from) + j];
                }

                rows[(y * _to) + x] = s;
            }
        }

        var result = new float[_to * _to];
        for (int y = 0; y < _to; y++)
        {
            for (int x = 0; x < _to; x++)
            {
                float s = 0;
                foreach (var (j, w) in _taps[y])
                {
                    s += w * rows[(j * _to) + x];
                }

                result[(y * _to) + x] = s;
            }
        }

        return result;
    }
}
