using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using CsCheck;

namespace MtlSharp.Testing.Fuzzing;

/// <summary>
/// Property-based fuzzing of file parsers with CsCheck: random mutations of a valid input (byte changes, inserted
/// and deleted runs, truncation, duplicated runs, "interesting" 32/64-bit integers written over header fields) must
/// be either accepted or rejected with a documented exception; anything else — another exception type, or a case
/// that runs past its time limit — fails the test with the case's seed, number and input (base64) in the message.
/// </summary>
/// <remarks>
/// Cases are generated from a fixed PCG seed, so every run (and CI) sees the same inputs. To explore further locally,
/// set <c>MTLSHARP_FUZZ_SCALE=N</c> (N times as many cases) and/or <c>MTLSHARP_FUZZ_SEED=S</c> (added to every seed).
/// </remarks>
internal static class Fuzz
{
    /// <summary>The longest one case may run before it counts as a hang.</summary>
    public static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(10);

    private static readonly long[] Interesting =
    [
        0, 1, -1, 2, 7, 8, 255, 256, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 28, 46340, 65536, 1_000_000,
        int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, long.MinValue, 1L << 40, 2049, 2051,
    ];

    private static readonly byte[] Structural = "\t\n\r\"',;:{}[]_-.0123456789 #=\\\u00ff"u8.ToArray();

    private static int Setting(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : 0;

    /// <summary>One mutation; positions and lengths are reduced modulo the input's current length when applied.</summary>
    /// <param name="Kind">What to do (see <see cref="Apply"/>).</param>
    /// <param name="Position">Where.</param>
    /// <param name="Length">How many bytes (1..64).</param>
    /// <param name="Value">A byte, an index into the interesting values, or a structural character.</param>
    public readonly record struct Mutation(int Kind, uint Position, int Length, int Value);

    /// <summary>One to <paramref name="maxMutations"/> mutations.</summary>
    public static Gen<Mutation[]> Mutations(int maxMutations = 6) =>
        Gen.Select(Gen.Int[0, 9], Gen.UInt, Gen.Int[1, 64], Gen.Int[0, 1023], (k, p, l, v) => new Mutation(k, p, l, v)).Array[1, maxMutations];

    /// <summary>Applies <paramref name="mutations"/> to a copy of <paramref name="input"/>.</summary>
    public static byte[] Apply(byte[] input, Mutation[] mutations)
    {
        var b = new List<byte>(input);
        foreach (var m in mutations)
        {
            int n = b.Count;
            int at = n == 0 ? 0 : (int)(m.Position % (uint)n);
            int len = Math.Min(m.Length, n - at);
            switch (m.Kind)
            {
                case 0: // overwrite one byte
                case 1:
                    if (n > 0)
                    {
                        b[at] = (byte)m.Value;
                    }

                    break;
                case 2: // flip one bit
                    if (n > 0)
                    {
                        b[at] ^= (byte)(1 << (m.Value & 7));
                    }

                    break;
                case 3: // insert random-ish bytes
                    b.InsertRange(at, Enumerable.Range(0, m.Length).Select(i => (byte)((m.Value * 31) + (i * 17))));
                    break;
                case 4: // delete a run
                    b.RemoveRange(at, len);
                    break;
                case 5: // truncate
                    b.RemoveRange(at, n - at);
                    break;
                case 6: // duplicate a run
                    b.InsertRange(at, b.GetRange(at, len));
                    break;
                case 7: // an interesting integer over a header field, 4 or 8 bytes, either endianness
                {
                    long v = Interesting[m.Value % Interesting.Length];
                    Span<byte> w = stackalloc byte[8];
                    int size = (m.Value & 64) != 0 ? 8 : 4;
                    if ((m.Value & 128) != 0)
                    {
                        BinaryPrimitives.WriteInt64BigEndian(w, v);
                        w = size == 4 ? w[4..] : w;
                    }
                    else
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(w, v);
                        w = w[..size];
                    }

                    for (int i = 0; i < w.Length && at + i < n; i++)
                    {
                        b[at + i] = w[i];
                    }

                    break;
                }

                case 8: // a structural character (separators, quotes, brackets, digits, 0xFF)
                    if (n > 0 && (m.Value & 1) == 0)
                    {
                        b[at] = Structural[m.Value % Structural.Length];
                    }
                    else
                    {
                        b.Insert(at, Structural[m.Value % Structural.Length]);
                    }

                    break;
                default: // a decimal number written over the text
                {
                    byte[] digits = Encoding.ASCII.GetBytes(Interesting[m.Value % Interesting.Length].ToString(System.Globalization.CultureInfo.InvariantCulture));
                    b.RemoveRange(at, Math.Min(len, digits.Length));
                    b.InsertRange(at, digits);
                    break;
                }
            }
        }

        return [.. b];
    }

    /// <summary>
    /// Runs <paramref name="parse"/> on <paramref name="count"/> mutations of each of <paramref name="seeds"/>,
    /// generated from <paramref name="seed"/>. Each case must return or throw an exception that
    /// <paramref name="documented"/> accepts, within <see cref="CaseLimit"/>. Returns the fraction of cases that were
    /// rejected (threw a documented exception), so a caller can check that the mutations reach the parser's checks.
    /// </summary>
    public static double Run(string what, IReadOnlyList<byte[]> seeds, ulong seed, int count, Action<byte[]> parse, Func<Exception, bool> documented) =>
        Run(what, seeds, seed, count, parse, documented, Apply);

    /// <summary>As <see cref="Run(string, IReadOnlyList{byte[]}, ulong, int, Action{byte[]}, Func{Exception, bool})"/> with a structure-aware <paramref name="mutate"/>.</summary>
    public static double Run(string what, IReadOnlyList<byte[]> seeds, ulong seed, int count, Action<byte[]> parse, Func<Exception, bool> documented, Func<byte[], Mutation[], byte[]> mutate)
    {
        count *= Math.Max(1, Setting("MTLSHARP_FUZZ_SCALE"));
        seed += (ulong)Setting("MTLSHARP_FUZZ_SEED");
        var pcg = new PCG(7u, seed);
        Gen<Mutation[]> gen = Mutations();
        int rejected = 0;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            byte[] input = mutate(seeds[i % seeds.Count], gen.Generate(pcg, null, out _));
            Exception? thrown = null;
            var task = Task.Run(() =>
            {
                try
                {
                    parse(input);
                }
                catch (Exception e)
                {
                    thrown = e;
                }
            });
            if (!task.Wait(CaseLimit))
            {
                throw new Xunit.Sdk.XunitException($"{what}: case {i} (seed {seed}) ran longer than {CaseLimit.TotalSeconds} s; input (base64): {Convert.ToBase64String(input)}");
            }

            if (thrown is not null)
            {
                if (!documented(thrown))
                {
                    throw new Xunit.Sdk.XunitException(
                        $"{what}: case {i} (seed {seed}) threw an undocumented exception: {thrown.Message}\ninput (base64): {Convert.ToBase64String(input)}\n{thrown}");
                }

                rejected++;
            }
        }

        Debug.WriteLine($"{what}: {count} cases, {rejected} rejected, {watch.ElapsedMilliseconds} ms");
        return (double)rejected / count;
    }
}
