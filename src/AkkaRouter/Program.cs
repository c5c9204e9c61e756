AkkaRouter.Hosting.RuntimeTuning.Apply();
return await AkkaRouter.Cli.CommandLine.Run(args);
