namespace MtlSharp.Tensors.Tests;

/// <summary>
/// <see cref="Threading.For"/> on the persistent worker pool: every index covered exactly once with deterministic
/// chunk boundaries, nested calls run inline without deadlock, exceptions surface, and concurrent callers from
/// several threads are safe.
/// </summary>
[Collection("Threading")]
public sealed class ThreadingTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 10, 1)]
    [InlineData(2, 1000, 7)]
    [InlineData(3, 5, 1)]
    [InlineData(4, 1001, 10)]
    public void CoversEveryIndexOnceWithFixedChunks(int threads, int count, int grain)
    {
        WithThreads(threads, () =>
        {
            for (int rep = 0; rep < 50; rep++)
            {
                int[] hits = new int[count];
                var ranges = new System.Collections.Concurrent.ConcurrentBag<(int, int)>();
                Threading.For(count, grain, (s, e) =>
                {
                    ranges.Add((s, e));
                    for (int i = s; i < e; i++)
                    {
                        hits[i]++;
                    }
                });
                Assert.All(hits, h => Assert.Equal(1, h));
                int chunks = Threading.ChunkCount(count, grain);
                var expected = Enumerable.Range(0, chunks).Select(c => ((int)((long)c * count / chunks), (int)((long)(c + 1) * count / chunks)));
                Assert.Equal(expected.OrderBy(r => r.Item1), ranges.OrderBy(r => r.Item1));
            }
        });
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 1)]
    [InlineData(2, 37)]
    [InlineData(3, 16)]
    public void ForBlocksRunsEveryBlockOnceOnAtMostThreadCountThreads(int threads, int blocks)
    {
        WithThreads(threads, () =>
        {
            int shared = 0;
            for (int rep = 0; rep < 50; rep++)
            {
                int[] hits = new int[blocks];
                var ranges = new System.Collections.Concurrent.ConcurrentBag<(int, int)>();
                var threadIds = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
                Threading.ForBlocks(blocks, (s, e) =>
                {
                    ranges.Add((s, e));
                    threadIds[Environment.CurrentManagedThreadId] = true;
                    for (int i = s; i < e; i++)
                    {
                        Interlocked.Increment(ref hits[i]);
                    }

                    if (s == 0 && Math.Min(threads, blocks) > 1)
                    {
                        // Block 0 waits (up to 0.5 s) until another thread has run a block, so that a worker
                        // descheduled on a loaded machine still gets to take part rather than finding every block taken.
                        var waited = System.Diagnostics.Stopwatch.StartNew();
                        while (threadIds.Count < 2 && waited.ElapsedMilliseconds < 500)
                        {
                            Thread.SpinWait(100);
                        }
                    }
                    else if (s % 4 == 0)
                    {
                        Thread.SpinWait(2000); // some blocks slower than others: the other threads take more
                    }
                });
                Assert.All(hits, h => Assert.Equal(1, h));
                Assert.All(ranges, r => Assert.Equal(r.Item1 + 1, r.Item2));
                Assert.InRange(threadIds.Count, 1, Math.Min(threads, blocks));
                shared += threadIds.Count > 1 ? 1 : 0;
            }

            // The workers take part (when there are blocks for more than one thread).
            Assert.True(Math.Min(threads, blocks) == 1 ? shared == 0 : shared > 0, $"regions run on more than one thread: {shared} of 50");

            // A block that throws: the others still run, and the exception surfaces.
            int[] ran = new int[8];
            var ex = Assert.Throws<AggregateException>(() => Threading.ForBlocks(8, (s, e) =>
            {
                Interlocked.Increment(ref ran[s]);
                if (s == 3)
                {
                    throw new InvalidOperationException("block failed");
                }
            }));
            Assert.Contains(ex.InnerExceptions, e => e.Message == "block failed");
            Assert.All(ran, h => Assert.Equal(1, h));
        });
    }

    [Fact]
    public void ForBlocksNestedInARegionRunsInline()
    {
        WithThreads(2, () =>
        {
            long[] sums = new long[2];
            Threading.For(2, 1, (s, e) =>
            {
                for (int c = s; c < e; c++)
                {
                    int thread = Environment.CurrentManagedThreadId;
                    long sum = 0;
                    Threading.ForBlocks(100, (b0, b1) =>
                    {
                        Assert.Equal(thread, Environment.CurrentManagedThreadId);
                        sum += b0;
                    });
                    sums[c] = sum;
                }
            });
            Assert.Equal([4950L, 4950L], sums);
        });
    }

    [Fact]
    public void NestedCallsRunInlineWithoutDeadlock()
    {
        WithThreads(2, () =>
        {
            long[] sums = new long[2];
            Threading.For(2, 1, (s, e) =>
            {
                for (int c = s; c < e; c++)
                {
                    long[] partial = new long[2];
                    Threading.For(100, 1, (s2, e2) =>
                    {
                        int chunk = s2 == 0 ? 0 : 1;
                        for (int i = s2; i < e2; i++)
                        {
                            partial[chunk] += i;
                        }
                    });
                    sums[c] = partial[0] + partial[1];
                }
            });
            Assert.Equal([4950L, 4950L], sums);
        });
    }

    [Fact]
    public void ExceptionsInChunksAreRethrown()
    {
        WithThreads(2, () =>
        {
            var ex = Assert.Throws<AggregateException>(() => Threading.For(10, 1, (s, e) =>
            {
                if (s > 0)
                {
                    throw new InvalidOperationException("chunk failed");
                }
            }));
            Assert.Contains(ex.InnerExceptions, e => e.Message == "chunk failed");

            // The pool still works afterwards.
            int[] hits = new int[10];
            Threading.For(10, 1, (s, e) =>
            {
                for (int i = s; i < e; i++)
                {
                    hits[i]++;
                }
            });
            Assert.All(hits, h => Assert.Equal(1, h));
        });
    }

    [Fact]
    public async Task ConcurrentCallersFromSeveralThreadsAreSafe()
    {
        int saved = Threading.ThreadCount;
        try
        {
            Threading.ThreadCount = 2;
            var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
            {
                for (int rep = 0; rep < 200; rep++)
                {
                    int[] hits = new int[64];
                    Threading.For(64, 1, (s, e) =>
                    {
                        for (int i = s; i < e; i++)
                        {
                            hits[i]++;
                        }
                    });
                    Assert.All(hits, h => Assert.Equal(1, h));
                }
            })).ToArray();
            await Task.WhenAll(tasks);
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    /// <summary>Runs <paramref name="body"/> with <see cref="Threading.ThreadCount"/> set to <paramref name="threads"/>, then restores it.</summary>
    private static void WithThreads(int threads, Action body)
    {
        int saved = Threading.ThreadCount;
        try
        {
            Threading.ThreadCount = threads;
            body();
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }
}
