using System.Globalization;

namespace MtlSharp.MultiTask.Strategies;

/// <summary>
/// The hyperparameters given to a strategy by name (<c>cagrad:c=0.4</c> on the command line, <c>"aggregatorOptions":
/// {"c": 0.4}</c> in a configuration): numbers by key. The factory that builds the strategy reads the keys it knows
/// with their defaults; <see cref="CheckAllRead"/> then rejects any other key, naming the ones the strategy takes.
/// </summary>
public sealed class StrategyOptions
{
    private readonly Dictionary<string, double> _values;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Options from <paramref name="values"/> (null: none).</summary>
    public StrategyOptions(IReadOnlyDictionary<string, double>? values = null)
    {
        _values = values is null ? new Dictionary<string, double>(StringComparer.Ordinal) : new Dictionary<string, double>(values, StringComparer.Ordinal);
    }

    /// <summary>No options.</summary>
    public static StrategyOptions None => new();

    /// <summary>The given values.</summary>
    public IReadOnlyDictionary<string, double> Values => _values;

    /// <summary>The value of <paramref name="key"/>, or <paramref name="fallback"/> when not given.</summary>
    public double Get(string key, double fallback)
    {
        _read.Add(key);
        return _values.TryGetValue(key, out double v) ? v : fallback;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a given key was not read by <paramref name="strategy"/>'s factory.</summary>
    public void CheckAllRead(string strategy)
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException(_read.Count == 0
                ? $"{strategy} takes no options, got {string.Join(", ", unknown)}"
                : $"{strategy} has no option {string.Join(", ", unknown)}; it takes {string.Join(", ", _read.Order(StringComparer.Ordinal))}");
        }
    }

    /// <summary>Parses "key=value,key=value" (numbers with the invariant culture); null or empty gives no options.</summary>
    public static StrategyOptions Parse(string? text, string strategy)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(text))
        {
            foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || !double.TryParse(part[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                {
                    throw new ArgumentException($"{strategy}: option '{part}' is not key=number");
                }

                if (!values.TryAdd(part[..eq].Trim(), v))
                {
                    throw new ArgumentException($"{strategy}: option '{part[..eq].Trim()}' is given twice");
                }
            }
        }

        return new StrategyOptions(values);
    }
}
