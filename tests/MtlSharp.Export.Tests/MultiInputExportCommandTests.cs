using Microsoft.ML.OnnxRuntime;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.Testing;
using Xunit.Abstractions;
using static MtlSharp.Export.Tests.OnnxHarness;

namespace MtlSharp.Export.Tests;

/// <summary>
/// <c>mtl export</c> of an <c>ewt-genre</c> trigram run trained by the real <c>mtl train</c> (a hundredth of an
/// epoch per epoch): the ONNX file, fed letter-trigram ids and weights built from raw text with the public
/// <see cref="LetterTrigramHasher"/> as the README's input contract says, gives the library predictor's logits.
/// </summary>
public sealed class MultiInputExportCommandTests(ITestOutputHelper log)
{
    [DatasetFact("ud-english-ewt")]
    public void TrainedGenreModelRunsInOnnxRuntimeFromRawText()
    {
        string folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mtl-onnx-genre-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            string data = Fixtures.DatasetsDir;
            var (code, output) = Mtl.Run("train", "--preset", "ewt-genre", "--scale", "0.01", "--no-tensorboard", "--threads", "1", "--data", data, "--out", Path.Combine(folder, "run"));
            Assert.True(code == 0, output);
            string ck = Path.Combine(folder, "run", "checkpoints", "last");
            string file = Path.Combine(folder, "genre.onnx");
            (code, output) = Mtl.Run("export", "--checkpoint", ck, "--onnx", file);
            Assert.True(code == 0, output);
            Assert.Contains("inputs 'trigram_ids', 'trigram_weights'", output, StringComparison.Ordinal);
            Assert.Contains("outputs: genre", output, StringComparison.Ordinal);

            string[][] sentences = [["Thanks", "for", "the", "quick", "reply", "!"], ["The", "food", "was", "great", "."], ["Does", "anyone", "know", "a", "good", "vet", "?"]];
            var hasher = new LetterTrigramHasher(16384);   // the preset's: 16,384 buckets, L2, lower-cased
            var bags = sentences.Select(s => hasher.Bag(s)).ToArray();
            int k = bags.Max(b => b.Count);
            var ids = new long[sentences.Length * k];
            var weights = new float[sentences.Length * k];
            for (int i = 0; i < bags.Length; i++)
            {
                for (int j = 0; j < bags[i].Count; j++)
                {
                    ids[(i * k) + j] = bags[i].Ids[j];
                    weights[(i * k) + j] = bags[i].Values[j];
                }
            }

            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            using var session = new InferenceSession(File.ReadAllBytes(file), options);
            Assert.Equal("16384", session.ModelMetadata.CustomMetadataMap["mtl.trigram.buckets"]);
            Assert.Equal("l2", session.ModelMetadata.CustomMetadataMap["mtl.trigram.normalization"]);
            using var idValue = OrtValue.CreateTensorValueFromMemory(ids, [sentences.Length, k]);
            using var weightValue = OrtValue.CreateTensorValueFromMemory(weights, [sentences.Length, k]);
            using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
            using var outputs = session.Run(run, [OnnxExporter.TrigramIdsInput, OnnxExporter.TrigramWeightsInput], [idValue, weightValue], ["genre"]);
            float[] actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();

            var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("ewt-genre").Resolve("trigram", null, data), 0, 0.01);
            var predictor = MultiInputPredictor.Load(plan, ck);
            float[] expected = predictor.Predict(0, sentences);
            double max = AssertClose(expected, actual, "genre from raw text", 5);
            log.WriteLine($"mtl export of a trained ewt-genre trigram run, 3 raw sentences: max |ONNX - MtlSharp| = {max:G3}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
