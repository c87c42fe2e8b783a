using MtlSharp.Data.Text;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>
/// Checks the sentences given to a predictor (<see cref="TaggerPredictor"/>, <see cref="MultiInputPredictor"/>) and
/// turns them into the batchers' sentences, with each sentence's first token's index in the concatenated tokens.
/// </summary>
internal static class PredictionSentences
{
    private static readonly IReadOnlyDictionary<string, string[]> NoColumns = new Dictionary<string, string[]>();

    /// <summary>
    /// The sentences as <see cref="TaggedSentence"/>s (no columns), their token offsets and the number of tokens.
    /// </summary>
    /// <exception cref="ArgumentException">A sentence is null or has no tokens, or a token is null or empty.</exception>
    public static (TaggedSentence[] Sentences, int[] Offsets, int Tokens) Read(IReadOnlyList<IReadOnlyList<string>> sentences, string paramName)
    {
        ArgumentNullException.ThrowIfNull(sentences, paramName);
        var tagged = new TaggedSentence[sentences.Count];
        var offsets = new int[sentences.Count];
        int tokens = 0;
        for (int i = 0; i < tagged.Length; i++)
        {
            var s = sentences[i] ?? throw new ArgumentException($"Sentence {i} is null.", paramName);
            if (s.Count == 0)
            {
                throw new ArgumentException($"Sentence {i} has no tokens.", paramName);
            }

            var words = new string[s.Count];
            for (int j = 0; j < words.Length; j++)
            {
                words[j] = string.IsNullOrEmpty(s[j]) ? throw new ArgumentException($"Sentence {i}, token {j} is empty.", paramName) : s[j];
            }

            tagged[i] = new TaggedSentence(words, NoColumns, "predict");
            offsets[i] = tokens;
            tokens += words.Length;
        }

        return (tagged, offsets, tokens);
    }
}
