/*
 * Test module for test_loader: a shared object without the playout_plugin
 * descriptor. Not installed.
 */
int tnodesc_answer(void);

int tnodesc_answer(void)
{
	return 42;
}
