import { Module } from '@nestjs/common';
import { UsersModule } from '@argilla/users';
import { WorkspacesService } from './workspaces.service';

/** Workspaces and memberships (needs DatabaseModule). */
@Module({ imports: [UsersModule], providers: [WorkspacesService], exports: [WorkspacesService] })
export class WorkspacesModule {}
